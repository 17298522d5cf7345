/**
 * Readability of content text, as a content designer measures it: Flesch reading ease and sentence length.
 * Pure; used by the content tests. The measure and its limits are described in docs/cards.md.
 *
 * Flesch reading ease = 206.835 − 1.015 × (words ÷ sentences) − 84.6 × (syllables ÷ words). 60 to 70 is plain
 * English; the NHS aims for text most people can read at first go.
 */

/** The budget every step and answer is held to (docs/cards.md). */
export const FLESCH_FLOOR = 60;
export const MAX_SENTENCE_WORDS = 20;

/** One sentence: its words. */
export interface Sentence {
  readonly text: string;
  readonly words: readonly string[];
}

/** A word is a run of letters, digits, apostrophes, @ . - _ inside it ("helpdesk@nhs.net", "0333", "self-service"). */
const WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}'’@._-]*[\p{L}\p{N}])?/gu;

/** Splits text into sentences at a full stop, question mark or exclamation mark followed by a space or the end. */
export function sentences(text: string): Sentence[] {
  return text
    .split(/(?<=[.!?…])["”’)]*\s+/u)
    .map((s) => s.trim())
    .map((s) => ({ text: s, words: s.match(WORD) ?? [] }))
    .filter((s) => s.words.some((w) => /\p{L}/u.test(w)));
}

/**
 * Syllables in a word, by the usual heuristic (vowel groups, a silent final "e", "-le" endings): right for most
 * English words, off by one for some. Numbers, addresses and acronyms count as they are read aloud, roughly.
 */
export function syllables(raw: string): number {
  const word = raw.toLowerCase().replace(/[’']/g, '');
  if (/@|\.[a-z]/.test(word)) return word.split(/[@.]/).reduce((n, part) => n + (part ? syllables(part) : 0), 0);
  if (word.includes('-')) return word.split('-').reduce((n, part) => n + (part ? syllables(part) : 0), 0);
  if (/^\d+$/.test(word)) return Math.max(1, Math.ceil(word.length / 2));
  if (/^[a-z]*\d/.test(word)) return word.length; // DCB1596: read letter by letter, roughly
  if (/^[bcdfghjklmnpqrstvwxz]+$/.test(word)) return word.length; // an acronym without vowels (LLM, NHS): letter by letter
  if (word.length <= 3) return 1;
  const stripped = word.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/, '').replace(/^y/, '');
  const groups = stripped.match(/[aeiouy]{1,2}/g)?.length ?? 0;
  return Math.max(1, groups);
}

/** Flesch reading ease of a text (higher is easier; 100 for an empty text). */
export function fleschReadingEase(text: string): number {
  const all = sentences(text);
  const words = all.flatMap((s) => s.words);
  if (words.length === 0) return 100;
  const syllableCount = words.reduce((n, w) => n + syllables(w), 0);
  return 206.835 - 1.015 * (words.length / all.length) - 84.6 * (syllableCount / words.length);
}

/** The longest sentence of a text, in words. */
export function longestSentence(text: string): Sentence | undefined {
  return sentences(text).reduce<Sentence | undefined>((long, s) => (long === undefined || s.words.length > long.words.length ? s : long), undefined);
}

/** What breaks the budget in one text: a Flesch score under the floor, and each sentence over the word limit. */
export function readabilityProblems(text: string): string[] {
  const problems: string[] = [];
  const flesch = fleschReadingEase(text);
  if (flesch < FLESCH_FLOOR) problems.push(`Flesch reading ease ${flesch.toFixed(0)}, under ${FLESCH_FLOOR}`);
  for (const s of sentences(text)) {
    if (s.words.length > MAX_SENTENCE_WORDS) problems.push(`a sentence of ${s.words.length} words (at most ${MAX_SENTENCE_WORDS}): “${s.text}”`);
  }
  return problems;
}
