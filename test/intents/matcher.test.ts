import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { IntentMatcher, type Match } from '../../src/intents/matcher';
import { editDistance, Normaliser, singular, words } from '../../src/intents/normalise';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const matcher = new IntentMatcher(content.intents.map);

/** The intent answered, "?a|b" for did-you-mean, or null for the fallback. */
function verdict(m: Match): string | null {
  if (m.kind === 'answer') return m.intent;
  if (m.kind === 'didYouMean') return `?${m.intents.join('|')}`;
  return null;
}
const intentOf = (q: string) => verdict(matcher.match(q));

interface LabelledSet {
  readonly inScope: readonly { readonly q: string; readonly intent: string }[];
  readonly outOfScope: readonly string[];
}

function accuracy(set: LabelledSet): { inScope: number; outOfScope: number; misses: string[] } {
  const misses: string[] = [];
  let right = 0;
  for (const { q, intent } of set.inScope) {
    const got = intentOf(q);
    if (got === intent) right++;
    else misses.push(`${q} → ${String(got)} (expected ${intent})`);
  }
  let fell = 0;
  for (const q of set.outOfScope) {
    const got = intentOf(q);
    if (got === null) fell++;
    else misses.push(`${q} → ${got} (expected the fallback)`);
  }
  return { inScope: right / set.inScope.length, outOfScope: fell / set.outOfScope.length, misses };
}

describe('normalisation', () => {
  it('lower-cases, resolves curly apostrophes and contractions, and drops punctuation', () => {
    expect(words('I CAN’T log in—won’t it let me?')).toEqual(['i', 'can', 'not', 'log', 'in', 'will', 'not', 'it', 'let', 'me']);
    expect(words("who's my LA's number")).toEqual(['who', 'my', 'la', 'number']);
  });

  it('makes plurals singular the same way for data and questions', () => {
    expect(['mailboxes', 'passwords', 'policies', 'status', 'access'].map(singular)).toEqual(['mailbox', 'password', 'policy', 'status', 'access']);
  });

  it('measures edit distance with swapped neighbours as one edit', () => {
    expect(editDistance('password', 'passwrod', 2)).toBe(1);
    expect(editDistance('password', 'pasword', 2)).toBe(1);
    expect(editDistance('administrator', 'admnistratr', 2)).toBe(2);
    expect(editDistance('mailbox', 'quota', 2)).toBe(3); // stops above the limit
  });

  it('maps synonyms, spellings and typos of longer words onto one vocabulary, but leaves short words alone', () => {
    const n = new Normaliser({
      spellings: { organization: 'organisation' },
      synonyms: { la: ['local administrator', 'local admin'] },
      stopwords: ['my', 'the'],
    });
    n.learn(['organisation', 'password']);
    expect(n.tokens('My Local Administrators')).toEqual(['la']);
    expect(n.tokens('the local admin')).toEqual(['la']);
    expect(n.tokens('organization')).toEqual(['organisation']);
    expect(n.tokens('passwrod')).toEqual(['password']);
    expect(n.tokens('lq')).toEqual(['lq']); // two letters: no guessing
  });
});

describe('matching questions to intents', () => {
  it.each([
    ['how do I reset my password', 'password-reset'],
    ['who is my LA', 'find-la'],
    ["who's my local admin?", 'find-la'],
    ['is NHSmail down', 'service-status'],
    ['what is the helpdesk number', 'helpdesk'],
    ['how do I set up 2FA', 'mfa'],
    ['my account is locked', 'account-locked'],
    ['how do I send an encrypted email', 'encryption'],
  ])('answers "%s" with %s', (question, intent) => {
    expect(intentOf(question)).toBe(intent);
  });

  it('tolerates typos in longer words', () => {
    expect(intentOf('how do i rest my pasword')).toBe('password-reset');
    expect(intentOf('multifactor authentification')).toBe('mfa');
    expect(intentOf('sharred mailbox')).toBe('shared-mailbox');
  });

  it('reads British and American spellings alike', () => {
    expect(intentOf('moving organization')).toBe(intentOf('moving organisation'));
    expect(intentOf('moving organisation')).toBe('change-organisation');
  });

  it('does not take a look-alike for an NHSmail question (guard words)', () => {
    expect(intentOf("what's the wifi password on ward 7")).toBeNull();
    expect(intentOf('reset my ESR password')).toBeNull();
    expect(intentOf('my smartcard is locked')).toBeNull();
    expect(intentOf('windows password expired on the ward pc')).toBeNull();
  });

  it('hears "someone has my password" as a compromised account, not a reset', () => {
    expect(intentOf('someone has my password')).toBe('compromised');
    expect(intentOf('I gave my password to someone')).toBe('compromised');
  });

  it('weighs a phrase above a single keyword', () => {
    const phrase = matcher.match('forgot password');
    const keyword = matcher.match('password');
    expect(phrase.kind).toBe('answer');
    expect(keyword.kind).toBe('answer');
    expect(phrase.confidence).toBeGreaterThan(keyword.confidence);
  });

  it('offers both when two intents are equally likely', () => {
    const m = matcher.match('teams training');
    expect(m.kind).toBe('didYouMean');
    expect(m.kind === 'didYouMean' && [...m.intents].sort()).toEqual(['teams', 'training']);
  });

  it('falls back below the threshold, with what nearly matched', () => {
    const m = matcher.match('account');
    expect(m.kind).toBe('fallback');
    expect(matcher.match('').kind).toBe('fallback');
    expect(matcher.match('🙂🙂🙂').kind).toBe('fallback');
    expect(matcher.match('x'.repeat(100_000)).kind).toBe('fallback');
  });

  it('gives a confidence between 0 and 1 that grows with the evidence', () => {
    const weak = matcher.match('password').confidence;
    const strong = matcher.match('I forgot my password and need to reset it').confidence;
    expect(weak).toBeGreaterThan(0);
    expect(strong).toBeLessThan(1);
    expect(strong).toBeGreaterThan(weak);
  });
});

describe('the labelled question set', () => {
  const set = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'intents-labelled.json'), 'utf8')) as LabelledSet;

  it('has at least 10 phrasings for every intent and 40 out-of-scope questions', () => {
    const thin = [...content.intents.answers.keys()].filter((intent) => set.inScope.filter((e) => e.intent === intent).length < 10);
    expect(thin).toEqual([]);
    expect(set.inScope.every((e) => content.intents.answers.has(e.intent))).toBe(true);
    expect(set.outOfScope.length).toBeGreaterThanOrEqual(40);
  });

  it('matches at least 95% of in-scope questions to the right intent and lets at least 95% of the rest fall back', () => {
    const result = accuracy(set);
    if (result.misses.length > 0) console.info(`labelled set misses:\n${result.misses.join('\n')}`);
    expect(result.inScope).toBeGreaterThanOrEqual(0.95);
    expect(result.outOfScope).toBeGreaterThanOrEqual(0.95);
  });

  const heldOut = join(__dirname, '..', 'fixtures', 'intents-heldout.json');
  // Written by a colleague from the facts alone, without seeing the map (304 + 78 questions). It scored
  // 83.6% / 87.2% when first run; one round of general vocabulary fixes followed, so it now guards against
  // regressions rather than measuring first-sight generalisation.
  it('matches a second set written without looking at the map', () => {
    const result = accuracy(JSON.parse(readFileSync(heldOut, 'utf8')) as LabelledSet);
    if (result.misses.length > 0) console.info(`second set misses:\n${result.misses.join('\n')}`);
    expect(result.inScope).toBeGreaterThanOrEqual(0.95);
    expect(result.outOfScope).toBeGreaterThanOrEqual(0.95);
  });

  // A third set (342 + 80), written by another colleague for another matcher and never used to tune this map:
  // the honest measure of how it generalises (90.6% in scope, 95.0% out of scope when added). A floor, so a
  // change to the map that generalises worse is noticed.
  it('generalises to a set the map was never tuned on', () => {
    const result = accuracy(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'intents-unseen.json'), 'utf8')) as LabelledSet);
    expect(result.inScope).toBeGreaterThanOrEqual(0.88);
    expect(result.outOfScope).toBeGreaterThanOrEqual(0.93);
  });
});
