/**
 * Text normalisation shared by the intent map and the questions people type: both go through the same steps,
 * so "Local Admin's", "local administrators" and "LA" all become the word "la". Pure; no botbuilder.
 */

/** How words are rewritten before matching; from the intent map's data. */
export interface Lexicon {
  /** Whole-word rewrites: American spellings, contractions without apostrophes, verb forms. */
  readonly spellings: Readonly<Record<string, string>>;
  /** Canonical word or words → variants that mean the same ("la" ← "local administrator"). */
  readonly synonyms: Readonly<Record<string, readonly string[]>>;
  readonly stopwords: readonly string[];
  /** Words ending in s that singular() must leave alone: "teams" (the product) is not the plural of "team". */
  readonly notPlurals?: readonly string[];
}

const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
const IRREGULAR_CONTRACTIONS: readonly [RegExp, string][] = [
  [/\bcan't\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/n't\b/g, ' not'],
  [/'(?:s|re|ve|ll|d|m)\b/g, ''],
];

/** Lower case, apostrophes and contractions resolved, anything but letters and digits turned into spaces. */
export function words(text: string): string[] {
  let t = text.normalize('NFKC').toLowerCase().replace(APOSTROPHES, "'");
  for (const [pattern, replacement] of IRREGULAR_CONTRACTIONS) t = t.replace(pattern, replacement);
  return t
    .replace(/'/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
}

/** Plural to singular, crudely but identically for data and questions (so "mailboxes" meets "mailbox"). */
export function singular(word: string): string {
  if (word.length < 4 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:x|ch|sh|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(?:ss|us|is|ws)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Optimal string alignment distance (edits, with a swap of two neighbours counting as one), stopping above max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  let prevPrev = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prevPrev[j - 2] as number) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[n] as number;
}

/** How far a typed word may be from a known one: none up to 5 letters, where one letter changes the meaning (block, lock). */
export function typoAllowance(word: string): number {
  if (word.length >= 9) return 2;
  if (word.length >= 6) return 1;
  return 0;
}

/**
 * The normaliser built from a lexicon: `tokens(text)` gives the words that matching compares.
 * Steps: words → spellings → singular → typo correction against the known vocabulary → synonyms (longest
 * first) → stopwords dropped.
 */
export class Normaliser {
  private readonly spellings: ReadonlyMap<string, readonly string[]>;
  private readonly stopwords: ReadonlySet<string>;
  private readonly notPlurals: ReadonlySet<string>;
  /** Synonym variants as word sequences, longest first, with the canonical words they become. */
  private readonly synonymRules: readonly { readonly from: readonly string[]; readonly to: readonly string[] }[];
  private readonly synonymFirstWords: ReadonlySet<string>;
  private vocabulary = new Set<string>();
  private vocabularyByLength = new Map<number, string[]>();
  private readonly corrections = new Map<string, string>();

  constructor(lexicon: Lexicon) {
    this.notPlurals = new Set(lexicon.notPlurals ?? []);
    this.spellings = new Map(Object.entries(lexicon.spellings).map(([from, to]) => [from, words(to)]));
    this.stopwords = new Set(lexicon.stopwords.flatMap((w) => this.base(w)));
    const rules: { from: string[]; to: string[] }[] = [];
    for (const [canonical, variants] of Object.entries(lexicon.synonyms)) {
      const to = this.withoutStopwords(this.base(canonical));
      for (const variant of variants) rules.push({ from: this.withoutStopwords(this.base(variant)), to });
    }
    rules.sort((a, b) => b.from.length - a.from.length);
    this.synonymRules = rules.filter((r) => r.from.length > 0);
    this.synonymFirstWords = new Set(this.synonymRules.map((r) => r.from[0] as string));
    this.learn([...Object.values(lexicon.synonyms).flat(), ...Object.keys(lexicon.synonyms), ...Object.keys(lexicon.spellings), ...lexicon.stopwords]);
  }

  /** Adds the words of these texts to what typo correction may correct towards (every word of the intent map). */
  learn(texts: Iterable<string>): void {
    for (const text of texts) {
      for (const raw of words(text)) {
        for (const word of [raw, ...this.base(raw)]) {
          if (this.vocabulary.has(word)) continue;
          this.vocabulary.add(word);
          const bucket = this.vocabularyByLength.get(word.length) ?? [];
          bucket.push(word);
          this.vocabularyByLength.set(word.length, bucket);
        }
      }
    }
    this.corrections.clear();
  }

  /** Words after spellings and plurals, before typo correction and synonyms. */
  base(text: string): string[] {
    return words(text).flatMap((w) => this.rewrite(w));
  }

  /**
   * The full pipeline, for the intent map's phrases and keywords as for questions: words, typo correction
   * (against every word the map knows), spellings, plurals, stopwords dropped, then synonyms (longest first).
   */
  tokens(text: string): string[] {
    const corrected = words(text).flatMap((w) => this.rewrite(this.correct(w)));
    return this.applySynonyms(this.withoutStopwords(corrected));
  }

  private rewrite(word: string): string[] {
    return (this.spellings.get(word) ?? [word]).map((w) => (this.notPlurals.has(w) ? w : singular(w)));
  }

  private withoutStopwords(tokens: readonly string[]): string[] {
    return tokens.filter((w) => !this.stopwords.has(w));
  }

  private correct(word: string): string {
    if (this.vocabulary.has(word) || this.vocabulary.has(singular(word)) || this.notPlurals.has(word)) return word;
    const allowance = typoAllowance(word);
    if (allowance === 0) return word;
    const cached = this.corrections.get(word);
    if (cached !== undefined) return cached;
    let best = word;
    let bestDistance = allowance + 1;
    for (let len = word.length - allowance; len <= word.length + allowance; len++) {
      for (const known of this.vocabularyByLength.get(len) ?? []) {
        if (known.length < 4) continue;
        const d = editDistance(word, known, bestDistance - 1);
        if (d < bestDistance) {
          bestDistance = d;
          best = known;
        }
      }
    }
    // A small, bounded cache: questions repeat, and a flood of distinct words must not grow memory.
    if (this.corrections.size >= 5000) this.corrections.clear();
    this.corrections.set(word, best);
    return best;
  }

  private applySynonyms(input: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < input.length;) {
      const word = input[i] as string;
      let matched = false;
      if (this.synonymFirstWords.has(word)) {
        for (const rule of this.synonymRules) {
          if (startsAt(input, i, rule.from)) {
            out.push(...rule.to);
            i += rule.from.length;
            matched = true;
            break;
          }
        }
      }
      if (!matched) {
        out.push(word);
        i++;
      }
    }
    return out;
  }
}

/** True when `seq` appears in `tokens` starting at index `at`. */
export function startsAt(tokens: readonly string[], at: number, seq: readonly string[]): boolean {
  if (at + seq.length > tokens.length) return false;
  for (let k = 0; k < seq.length; k++) if (tokens[at + k] !== seq[k]) return false;
  return true;
}

/** True when `seq` appears contiguously anywhere in `tokens`. */
export function containsSequence(tokens: readonly string[], seq: readonly string[]): boolean {
  if (seq.length === 0) return false;
  for (let i = 0; i + seq.length <= tokens.length; i++) if (startsAt(tokens, i, seq)) return true;
  return false;
}

/** True when the words of `seq` appear in `tokens` in order, with at most `gap` other words between neighbours. */
export function containsInOrder(tokens: readonly string[], seq: readonly string[], gap: number): boolean {
  if (seq.length === 0) return false;
  for (let start = 0; start < tokens.length; start++) {
    if (tokens[start] !== seq[0]) continue;
    let at = start;
    let k = 1;
    while (k < seq.length) {
      let next = -1;
      for (let j = at + 1; j <= Math.min(tokens.length - 1, at + 1 + gap); j++) {
        if (tokens[j] === seq[k]) {
          next = j;
          break;
        }
      }
      if (next < 0) break;
      at = next;
      k++;
    }
    if (k === seq.length) return true;
  }
  return false;
}
