/**
 * Plain English, as the NHS digital service manual's content style guide asks (docs/cards.md names the measure):
 * every step and answer reads at Flesch 60 or more with no sentence over 20 words, acronyms are explained, symbols
 * are named, titles have no contractions, and the rewrite kept every fact of the seed and the facts.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { FLESCH_FLOOR, fleschReadingEase, longestSentence, MAX_SENTENCE_WORDS, sentences, syllables } from '../../src/content/readability';
import { checkContent } from '../../src/intents/contentCheck';

const CARDS = join(__dirname, '..', '..', 'cards');
const content = loadContent(CARDS);

/** Each step and each answer, as a user reads it: one text per card. */
const texts: readonly { readonly name: string; readonly text: string }[] = [
  ...content.journey.steps.map((s) => ({
    name: `step ${s.id}`,
    text: [s.title, ...s.paragraphs, ...s.actions.flatMap((a) => [`${a.title}.`, ...a.guidance])].join('\n'),
  })),
  ...[...content.intents.answers.values()].map((a) => ({ name: `answer ${a.id}`, text: [a.title, ...a.lines].join('\n') })),
  { name: 'fallback', text: [content.intents.fallback.title, ...content.intents.fallback.lines].join('\n') },
  { name: 'off-topic fallback', text: [content.intents.offTopic.title, ...content.intents.offTopic.lines].join('\n') },
];

/** The body text alone (titles are short phrases, not sentences). */
const bodies: readonly { readonly name: string; readonly text: string }[] = [
  ...content.journey.steps.map((s) => ({
    name: `step ${s.id}`,
    text: [...s.paragraphs, ...s.actions.flatMap((a) => [`${a.title}.`, ...a.guidance])].join('\n'),
  })),
  ...[...content.intents.answers.values()].map((a) => ({ name: `answer ${a.id}`, text: a.lines.join('\n') })),
  { name: 'fallback', text: content.intents.fallback.lines.join('\n') },
  { name: 'off-topic fallback', text: content.intents.offTopic.lines.join('\n') },
];

describe('the readability measure', () => {
  it('counts syllables as they are read aloud, near enough', () => {
    expect(['password', 'administrator', 'the', 'email', 'reset', 'organisation', 'simple'].map(syllables)).toEqual([2, 5, 1, 2, 2, 5, 2]);
    expect(syllables('helpdesk@nhs.net')).toBeGreaterThanOrEqual(4);
  });

  it('splits sentences at full stops, and scores easy text high and hard text low', () => {
    expect(sentences('Log in. Then choose Profile! Done?').map((s) => s.words.length)).toEqual([2, 3, 1]);
    expect(fleschReadingEase('Log in to the Portal. Then choose Profile.')).toBeGreaterThan(70);
    // The seed email's "Learning more" paragraph.
    expect(fleschReadingEase('Policy and Guidance: Access all the policies and guidance on using NHSmail safely, securely, and effectively.')).toBeLessThan(40);
  });
});

describe('plain English in every step and answer', () => {
  it(`reads at Flesch ${FLESCH_FLOOR} or more`, () => {
    const hard = bodies.map((b) => ({ name: b.name, flesch: Math.round(fleschReadingEase(b.text)) })).filter((b) => b.flesch < FLESCH_FLOOR);
    expect(hard).toEqual([]);
    const scores = bodies.map((b) => fleschReadingEase(b.text)).sort((a, b) => a - b);
    console.info(
      `Flesch reading ease over ${scores.length} steps and answers: median ${scores[Math.floor(scores.length / 2)]?.toFixed(0)}, lowest ${scores[0]?.toFixed(0)}`,
    );
  });

  it(`has no sentence over ${MAX_SENTENCE_WORDS} words`, () => {
    const long = bodies.flatMap((b) =>
      sentences(b.text)
        .filter((s) => s.words.length > MAX_SENTENCE_WORDS)
        .map((s) => `${b.name}: ${s.words.length} words: ${s.text}`),
    );
    expect(long).toEqual([]);
    expect(Math.max(...bodies.map((b) => longestSentence(b.text)?.words.length ?? 0))).toBeLessThanOrEqual(MAX_SENTENCE_WORDS);
  });
});

describe('npm run content:check', () => {
  it('reports a step or answer over the budget, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plain-'));
    cpSync(CARDS, dir, { recursive: true });
    const file = join(dir, 'intents.json');
    const intents = JSON.parse(readFileSync(file, 'utf8')) as { intents: { id: string; answer: { lines: string[] } }[] };
    const mfa = intents.intents.find((i) => i.id === 'mfa') as { answer: { lines: string[] } };
    mfa.answer.lines.push(
      'Authentication methodologies necessitate comprehensive organisational consideration, notwithstanding technological interoperability considerations and administrative responsibilities across the organisation.',
    );
    mfa.answer.lines.push('You can use the app on your phone to sign in to your account at work or at home on any day of the week.');
    writeFileSync(file, JSON.stringify(intents));
    const faults = checkContent(dir);
    expect(faults).toContainEqual(expect.stringMatching(/^intents\.json: answer "mfa": Flesch reading ease -?\d+, under 60$/));
    expect(faults).toContainEqual(expect.stringMatching(/^intents\.json: answer "mfa": a sentence of 25 words \(at most 20\)/));
  });
});

describe('words read aloud well', () => {
  const ACRONYMS: Readonly<Record<string, string>> = {
    MFA: 'multi-factor authentication',
    GDPR: 'General Data Protection Regulation',
    DCB1596: 'NHS secure email standard',
    NAS: 'National Administration Service',
    DPIA: 'data protection impact assessment',
    LAs: 'Local Administrators',
    LA: 'Local Administrator',
  };

  it('explains an acronym the first time a card uses it', () => {
    const unexplained: string[] = [];
    for (const { name, text } of texts) {
      for (const [acronym, meaning] of Object.entries(ACRONYMS)) {
        const first = text.search(new RegExp(`\\b${acronym}\\b`));
        if (first < 0) continue;
        const explained = text.toLowerCase().indexOf(meaning.toLowerCase());
        // The meaning comes before the acronym, or right after it ("DCB1596, the NHS secure email standard").
        if (explained < 0 || explained > first + acronym.length + 40) unexplained.push(`${name}: ${acronym}`);
      }
    }
    expect(unexplained).toEqual([]);
  });

  it('writes 24/7 out, and names the pound sign', () => {
    const everything = [readdirSync(CARDS).filter((f) => f.endsWith('.json')), readdirSync(join(CARDS, 'templates')).map((f) => `templates/${f}`)]
      .flat()
      .map((f) => readFileSync(join(CARDS, f), 'utf8'))
      .join('\n');
    expect(everything).not.toContain('24/7');
    expect(content.service.helpdesk.hours).toBe('24 hours a day, 7 days a week');
    for (const { name, text } of texts) if (text.includes('£')) expect({ name, named: text.includes('pound sign (£)') }).toEqual({ name, named: true });
  });

  it('uses "do not" and "cannot" in titles, not contractions', () => {
    const titles = [
      ...content.journey.steps.flatMap((s) => [s.title, ...s.actions.map((a) => a.title)]),
      ...[...content.intents.answers.values()].map((a) => a.title),
      ...Object.values(content.notices).map((n) => n.title),
      content.intents.fallback.title,
      content.intents.offTopic.title,
      content.intents.didYouMean.title,
      content.reminder.title,
    ];
    expect(titles.filter((t) => /\w(?:n[’']t|[’'](?:re|ll|ve|m|d|s))\b|\blet[’']s\b/i.test(t))).toEqual([]);
  });
});

describe('meaning unchanged by the rewrite', () => {
  const all = texts.map((t) => t.text).join('\n');
  // Each fact as the seed (docs/sources/welcome-email.txt) or the facts (docs/sources/nhsmail-facts.md) give it.
  it.each([
    '0333 200 1133',
    'helpdesk@nhs.net',
    '24 hours a day, 7 days a week',
    'OneDrive',
    'SharePoint',
    'national secure collaboration service for health and social care',
    'Hide mobile number from address book',
    'Microsoft Authenticator app',
    'Office phones cannot be used',
    'will never ask you for your password',
    'individual characters',
    'approved clinical workflow',
    '[secure]',
    'DCB1596',
    'People Finder',
    'Get in Touch',
    'Help, then My Organisation',
    'Profile, then My Profile',
    'Profile, then Change Password',
    'Self-Service Password Reset Portal',
    '365 days',
    'at least 10 characters',
    'none of your last 4',
    'three random words',
    'pound sign (£)',
    '2 to 3 minutes',
    'more than 8 of them',
    'last 5 secrets',
    'within 30 days',
    '30 days to be joined',
    'at least once every 30 days',
    '60 days or more',
    'wait 24 hours',
    'within about 4 hours',
    '5 October 2023',
    'Enhanced mailbox holds 50 GB and a Standard one 4 GB',
    '100 GB',
    '35 MB',
    'Settings, then General, then Storage',
    'Deleted Items',
    'community pharmacists, dispensing appliance contractors, dentists and opticians',
    'social care workers, care homes, independent midwives and locum GPs',
    'dentistadmin@nhs.net',
    'may limit your access',
    'extra checks when you sign in',
  ])('still says "%s"', (fact) => {
    expect(all.toLowerCase()).toContain(fact.toLowerCase());
    // And says it the same way wherever it says it: a figure changed on one card is not covered by another card
    // that has it right. (Facts with a number and two words or more around it: "more than 8 of them".)
    if (/\d/.test(fact) && (fact.match(/[a-z]{2,}/gi) ?? []).length >= 2) {
      const sameWords = new RegExp(fact.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\d+/g, '\\d+'), 'gi');
      const said = texts.flatMap((t) => (t.text.match(sameWords) ?? []).map((m) => `${t.name}: ${m}`));
      expect(said.filter((m) => !m.toLowerCase().endsWith(fact.toLowerCase()))).toEqual([]);
    }
  });
});
