import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardRenderer } from '../../src/cards/render';
import { ContentError } from '../../src/content/errors';
import { loadContent } from '../../src/content/load';
import { IntentAnswerer } from '../../src/intents/answerer';
import { checkContent } from '../../src/intents/contentCheck';
import { buttons, cardText } from '../helpers/cardText';

const CARDS = join(__dirname, '..', '..', 'cards');
const content = loadContent(CARDS);
const answerer = new IntentAnswerer(content.intents, new CardRenderer(content.templates));

interface SafetySet {
  readonly advice: Readonly<Record<string, string>>;
  readonly tuning: readonly { readonly q: string; readonly advice: readonly string[] }[];
  readonly heldOut: readonly { readonly q: string; readonly advice: readonly string[] }[];
}
const set = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'intents-safety.json'), 'utf8')) as SafetySet;

/** What a user sees for a question: the text of the card the bot sends. */
function cardFor(question: string): Record<string, unknown> {
  return answerer.cardFor(answerer.matcher.match(question), undefined) as Record<string, unknown>;
}

/** The advice a question's card lacks (empty when it carries all of it). */
function missingAdvice(entry: { q: string; advice: readonly string[] }): string[] {
  const text = cardText(cardFor(entry.q)).toLowerCase();
  return entry.advice.filter((key) => {
    const advice = set.advice[key];
    if (advice === undefined) throw new Error(`unknown advice "${key}"`);
    return !text.includes(advice.replace('{service}', content.service.name).toLowerCase());
  });
}

function score(part: SafetySet['tuning']): { right: number; misses: string[] } {
  const misses = part.flatMap((entry) => {
    const missing = missingAdvice(entry);
    return missing.length === 0 ? [] : [`${entry.q} → ${answerer.reply(entry.q).intent ?? 'no answer'} lacks ${missing.join(', ')}`];
  });
  return { right: part.length - misses.length, misses };
}

/** A copy of the content with intents.json changed by `edit`. */
function intentsWith(edit: (intents: { safety: { signals: Record<string, unknown>[]; intents: Record<string, unknown>[] } }) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'safety-'));
  cpSync(CARDS, dir, { recursive: true });
  const file = join(dir, 'intents.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as { safety: { signals: Record<string, unknown>[]; intents: Record<string, unknown>[] } };
  edit(data);
  writeFileSync(file, JSON.stringify(data));
  return dir;
}

describe('the labelled safety set', () => {
  it('has at least 60 messages, a third of them held out from tuning, each naming advice the set defines', () => {
    const all = [...set.tuning, ...set.heldOut];
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(set.heldOut.length).toBeGreaterThanOrEqual(Math.floor(all.length / 3));
    expect(new Set(all.map((e) => e.q)).size).toBe(all.length);
    for (const entry of all) for (const key of entry.advice) expect(Object.keys(set.advice)).toContain(key);
  });

  it('gives every tuning message an answer with all the advice it must contain', () => {
    const { right, misses } = score(set.tuning);
    console.info(`safety set, tuning part: ${right}/${set.tuning.length}`);
    expect(misses).toEqual([]);
  });

  // Never used to tune the map: its figure is the honest one (reported in the README).
  it('gives every held-out message an answer with all the advice it must contain', () => {
    const { right, misses } = score(set.heldOut);
    console.info(`safety set, held-out part: ${right}/${set.heldOut.length}`);
    expect(misses).toEqual([]);
  });
});

describe('safety first', () => {
  it.each([
    ['the nhsmail team asked for my password', 'password-asked'],
    ['email from the NHSmail team asking me to verify my account, is it real?', 'phishing'],
    ['my manager asked for my password so she can check my emails', 'password-asked'],
    ['can I give my password to my secretary', 'sharing-password'],
    ['i typed my password into a dodgy looking login page', 'password-entered'],
    ['got an email from the nhsmail team saying my mailbox is full, click here', 'phishing'],
    ['someone asked me for my whole user account secret', 'secret-asked'],
    ['my account has been hacked', 'compromised'],
  ])('answers "%s" with the safety intent %s', (question, intent) => {
    const match = answerer.matcher.match(question);
    expect(match).toMatchObject({ kind: 'answer', intent, safety: true });
  });

  it('puts the safety advice first and offers the topic the message was also about after it', () => {
    const card = cardFor('got an email from the nhsmail team saying my mailbox is full, click here');
    const text = cardText(card);
    expect(text.indexOf('Suspicious emails and phishing')).toBe(0);
    expect(text).toContain('Your question was also about:');
    expect(text.indexOf('do not open links or attachments')).toBeLessThan(text.indexOf('Your question was also about:'));
    expect(buttons(card).find((b) => b.title === 'Managing your mailbox quota')?.data).toEqual({ verb: 'answer', intent: 'mailbox-quota' });
  });

  it('never lets a "did you mean" hide the safety card', () => {
    expect(answerer.matcher.match('teams training').kind).toBe('didYouMean');
    const match = answerer.matcher.match('teams training email, is it a scam');
    expect(match).toMatchObject({ kind: 'answer', intent: 'phishing', safety: true });
    expect(match.kind === 'answer' && match.also.length).toBe(1);
  });

  it('lets a safety signal win over a topic that scores higher', () => {
    const match = answerer.matcher.match('mailbox quota full storage archive: click here');
    const topic = match.candidates.find((c) => c.intent === 'mailbox-quota');
    expect(match).toMatchObject({ kind: 'answer', intent: 'phishing', safety: true, signal: 'suspicious-message' });
    expect(topic?.score).toBeGreaterThan(match.candidates.find((c) => c.intent === 'phishing')?.score ?? Infinity);
  });

  it('lets a topic clearly ahead answer a message without a signal, and offers the safety answer after it', () => {
    const match = answerer.matcher.match('the helpdesk asked me for characters of my secret');
    expect(match).toMatchObject({ kind: 'answer', intent: 'account-secret', safety: false, also: ['secret-asked'] });
    const card = cardFor('the helpdesk asked me for characters of my secret');
    expect(cardText(card)).toContain('Your question was also about:');
    expect(buttons(card).find((b) => b.title === 'If someone asks for your account secret')?.data).toEqual({ verb: 'answer', intent: 'secret-asked' });
  });

  it('leaves ordinary password questions to the topic answer, which still opens with the safety rule', () => {
    const match = answerer.matcher.match('how do I reset my password');
    expect(match).toMatchObject({ kind: 'answer', intent: 'password-reset', safety: false });
    // On the card the user sees: the heading, then the rule, before any step of the reset.
    expect(cardText(cardFor('how do I reset my password')).split('\n').slice(0, 2)).toEqual([
      content.intents.answers.get('password-reset')?.title,
      'Never share your password: nobody from NHSmail will ever ask for it.',
    ]);
  });

  it('does not take a signal guarded by its context (Outlook asking for a password is not a person asking)', () => {
    expect(answerer.matcher.match('outlook keeps asking for my password')).not.toMatchObject({ safety: true });
    expect(answerer.matcher.match('my manager keeps asking for my password')).toMatchObject({ safety: true });
  });
});

describe('plurals that are not plurals', () => {
  it('keeps "teams" (the product) apart from "team" (the NHSmail team)', () => {
    const n = answerer.matcher.normaliser;
    expect(n.tokens('Teams')).toEqual(['teams']);
    expect(n.tokens('the NHSmail team')).toEqual(['nhsmail', 'team']);
    expect(answerer.reply('the nhsmail team asked for my password').intent).not.toBe('teams');
    expect(answerer.reply('how do I use teams').intent).toBe('teams');
    expect(answerer.reply('how do I use MS Teams').intent).toBe('teams');
  });

  it('reads short plurals of acronyms as their singular ("LAs" is more than one LA)', () => {
    expect(answerer.matcher.normaliser.tokens('LAs')).toEqual(['la']);
  });
});

describe('safety content is checked at start', () => {
  it('refuses a signal that points at a topic intent, naming file, path and fault', () => {
    const dir = intentsWith((d) => ((d.safety.signals[0] as Record<string, unknown>)['intent'] = 'mfa'));
    expect(() => loadContent(dir)).toThrow(ContentError);
    expect(() => loadContent(dir)).toThrow('intents.json at safety.signals[0].intent: "mfa" is not a safety intent');
  });

  it('refuses content without one of the safety intents', () => {
    const dir = intentsWith((d) => {
      d.safety.intents = d.safety.intents.filter((i) => i['id'] !== 'secret-asked');
      d.safety.signals = d.safety.signals.filter((s) => s['intent'] !== 'secret-asked');
      for (const i of d.safety.intents) i['related'] = (i['related'] as string[]).filter((r) => r !== 'secret-asked');
    });
    expect(() => loadContent(dir)).toThrow('intents.json at safety.intents: the safety intent "secret-asked" is missing');
  });

  it('refuses a signal phrase that is not text', () => {
    const dir = intentsWith((d) => ((d.safety.signals[0] as { phrases: string[] }).phrases = ['']));
    expect(() => loadContent(dir)).toThrow(/intents\.json at safety\.signals\[0\]\.phrases\[0\]/);
  });

  it('reports a signal phrase of stopwords only, which could never fire', () => {
    const dir = intentsWith((d) => (d.safety.signals[0] as { phrases: string[] }).phrases.push('want my'));
    expect(checkContent(dir)).toContainEqual(expect.stringContaining('"want my" in safety signal'));
  });
});

describe('safety in every answer where it applies', () => {
  const lines = (id: string) => content.intents.answers.get(id)?.lines ?? [];
  const text = (id: string) => lines(id).join(' ');
  const never = 'Never share your password: nobody from NHSmail will ever ask for it.';

  it('opens every password answer with the rule that nobody will ask for it', () => {
    for (const id of ['password-reset', 'password-asked', 'sharing-password']) expect(lines(id)[0]).toBe(never);
    for (const id of ['password-entered', 'compromised']) expect(lines(id)).toContain(never);
    // And the card shows the lines in that order: the first thing under the heading is the rule.
    for (const id of ['password-reset', 'password-asked', 'sharing-password']) {
      const shown = cardText(answerer.answerIntent(id, { progress: undefined })).split('\n');
      expect({ id, opening: shown[1] }).toEqual({ id, opening: never });
    }
  });

  it('tells someone who clicked or typed their password in a phishing email to change it now and tell their LA or the helpdesk', () => {
    expect(text('phishing')).toContain('If you clicked a link or typed your password, change your password now');
    expect(text('phishing')).toContain('Then tell your Local Administrator or the helpdesk');
  });

  it('carries the approved-workflow rule on encryption, and answers auto-forwarding apart from encryption', () => {
    expect(lines('encryption')[0]).toContain('Only email sensitive information as part of an approved clinical workflow');
    expect(answerer.reply('can i auto-forward my nhs.net email to my personal gmail').intent).toBe('forwarding');
    expect(text('forwarding')).toContain('approved clinical workflow');
    expect(text('forwarding')).not.toContain('[secure]');
  });

  it('says the account secret is only ever asked for as individual characters', () => {
    expect(text('account-secret')).toContain('You will only ever be asked for individual characters');
    expect(text('secret-asked')).toContain('You will only ever be asked for individual characters');
  });

  it('covers a lost or new phone in the MFA answer', () => {
    expect(text('mfa')).toContain('Lost your phone, or got a new one? Contact your Local Administrator or the helpdesk');
    expect(answerer.reply('I lost my phone with the authenticator app').intent).toBe('mfa');
  });

  it('sends name changes to the Local Administrator, with the support page about them, not the Portal profile', () => {
    expect(answerer.reply('I got married and need to change my surname').intent).toBe('name-change');
    expect(text('name-change')).toContain('contact your organisation’s Local Administrator');
    expect(content.intents.answers.get('name-change')?.links.map((l) => l.url)).toContain(
      'https://support.nhs.net/knowledge-base/what-to-do-if-your-name-changes/',
    );
    expect(text('profile-update')).not.toMatch(/name/i);
  });

  it('gives a forgotten password without self-service reset its phone route', () => {
    expect(text('password-reset')).toContain('Not signed up? Call your local IT or the helpdesk on 0333 200 1133');
    expect(text('password-reset')).toContain('UK mobile number');
    expect(text('password-reset')).toContain('characters of your user account secret');
  });
});
