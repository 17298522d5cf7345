import { containsInOrder, containsSequence, Normaliser, type Lexicon } from './normalise';

/** What the matcher needs of one intent (the answer itself is not its business). */
export interface IntentPattern {
  readonly id: string;
  readonly phrases: readonly string[];
  /** Word or words → weight. */
  readonly keywords: Readonly<Record<string, number>>;
  /** At least one of these must be present (empty: no requirement). */
  readonly requires: readonly string[];
  /** Any of these present rules the intent out (a ward's wifi password is not an NHSmail password). */
  readonly guards: readonly string[];
}

/** Words that show a message is about keeping an account safe; see safetySignalSchema. */
export interface SafetySignal {
  readonly id: string;
  /** The safety intent answered when no safety intent scores higher. */
  readonly intent: string;
  readonly phrases: readonly string[];
  readonly guards: readonly string[];
}

export interface IntentMap extends Lexicon {
  /** The lowest score that counts as an answer. */
  readonly threshold: number;
  /** Tried before the topic intents; their answer wins over any topic's. */
  readonly safety: { readonly signals: readonly SafetySignal[]; readonly intents: readonly IntentPattern[] };
  /** The topic intents. */
  readonly intents: readonly IntentPattern[];
}

export interface Candidate {
  readonly intent: string;
  readonly score: number;
}

/** A candidate while the verdict is worked out (a signal adds to its intent's score). */
interface Scored {
  intent: string;
  score: number;
}

/**
 * The matcher's verdict: one intent, two close ones to choose from, or an honest "I don't know". A safety
 * answer (`safety: true`) is never replaced by a "did you mean": the topic the message was also about is offered
 * after it (`also`).
 */
export type Match =
  | {
      readonly kind: 'answer';
      readonly intent: string;
      readonly confidence: number;
      readonly candidates: readonly Candidate[];
      readonly safety: boolean;
      /** The safety signal the message carried, if any. */
      readonly signal?: string;
      /** Intents to offer after the answer: the topic a safety answer leaves out, or a safety answer a topic outscored. */
      readonly also: readonly string[];
    }
  | { readonly kind: 'didYouMean'; readonly intents: readonly [string, string]; readonly confidence: number; readonly candidates: readonly Candidate[] }
  | {
      readonly kind: 'fallback';
      readonly confidence: number;
      readonly candidates: readonly Candidate[];
      /** Nothing in the question touched any intent: it is not about the service at all. */
      readonly offTopic: boolean;
    };

/** Score a full phrase earns, plus this much for each word beyond two. */
const PHRASE_SCORE = 3;
const PHRASE_EXTRA_WORD = 0.5;
/** Every word of a phrase present, but not in order. */
const SCATTERED_PHRASE_SCORE = 1.5;
/** Two candidates closer than this are "did you mean" material. */
const AMBIGUITY_MARGIN = 1;
/** How many other words may stand between the words of a safety signal. */
const SIGNAL_GAP = 2;
/** Questions longer than this are cut before matching (the turn caps length too). */
const MAX_QUESTION_CHARS = 500;

interface CompiledSignal {
  readonly id: string;
  readonly intent: string;
  readonly phrases: readonly (readonly string[])[];
  readonly guards: readonly (readonly string[])[];
}

interface CompiledIntent {
  readonly id: string;
  readonly phrases: readonly (readonly string[])[];
  readonly keywords: readonly { readonly words: readonly string[]; readonly weight: number }[];
  readonly requires: readonly (readonly string[])[];
  readonly guards: readonly (readonly string[])[];
}

/**
 * A list of intents with an index: word → the positions of the intents with a phrase or keyword that starts with it.
 * An intent scores only when one of its phrases or keywords has every word in the question, so only the intents the
 * question's words point to are scored, in the list's order (ties keep it).
 */
interface IndexedIntents {
  readonly intents: readonly CompiledIntent[];
  readonly byFirstWord: ReadonlyMap<string, readonly number[]>;
}

function indexed(intents: readonly CompiledIntent[]): IndexedIntents {
  const byFirstWord = new Map<string, number[]>();
  intents.forEach((intent, at) => {
    for (const words of [...intent.phrases, ...intent.keywords.map((k) => k.words)]) {
      const first = words[0] as string;
      const positions = byFirstWord.get(first) ?? [];
      if (positions.at(-1) !== at) positions.push(at);
      byFirstWord.set(first, positions);
    }
  });
  return { intents, byFirstWord };
}

/** Confidence in [0, 1) from a score: 0.5 at a score of 3, rising slowly after. */
function confidenceOf(score: number): number {
  return Math.round((score / (score + 3)) * 100) / 100;
}

/**
 * The intent matcher: built once from the intent map, then `match(question)` is pure and fast (a few
 * microseconds: token arrays, no regular expressions per intent).
 */
export class IntentMatcher {
  readonly normaliser: Normaliser;
  private readonly intents: IndexedIntents;
  private readonly safetyIntents: IndexedIntents;
  private readonly signals: readonly CompiledSignal[];
  private readonly threshold: number;

  constructor(map: IntentMap) {
    this.normaliser = new Normaliser(map);
    const all = [...map.safety.intents, ...map.intents];
    // Teach the typo correction every word the map uses, then compile with the full pipeline.
    this.normaliser.learn(all.flatMap((i) => [...i.phrases, ...Object.keys(i.keywords), ...i.requires, ...i.guards]));
    this.normaliser.learn(map.safety.signals.flatMap((s) => [...s.phrases, ...s.guards]));
    const compile = (text: string) => this.normaliser.tokens(text);
    const compileIntent = (i: IntentPattern): CompiledIntent => ({
      id: i.id,
      phrases: i.phrases.map(compile).filter((p) => p.length > 0),
      keywords: Object.entries(i.keywords)
        .map(([text, weight]) => ({ words: compile(text), weight }))
        .filter((k) => k.words.length > 0),
      requires: i.requires.map(compile).filter((r) => r.length > 0),
      guards: i.guards.map(compile).filter((g) => g.length > 0),
    });
    this.safetyIntents = indexed(map.safety.intents.map(compileIntent));
    this.intents = indexed(map.intents.map(compileIntent));
    this.signals = map.safety.signals.map((s) => ({
      id: s.id,
      intent: s.intent,
      phrases: s.phrases.map(compile).filter((p) => p.length > 0),
      guards: s.guards.map(compile).filter((g) => g.length > 0),
    }));
    this.threshold = map.threshold;
  }

  /** Every intent's compiled phrases (for the content check: no phrase claimed by two intents). */
  compiledPhrases(): ReadonlyMap<string, readonly string[]> {
    return new Map([...this.safetyIntents.intents, ...this.intents.intents].map((i) => [i.id, i.phrases.map((p) => p.join(' '))]));
  }

  match(question: string): Match {
    const tokens = this.normaliser.tokens(question.slice(0, MAX_QUESTION_CHARS));
    const present = new Set(tokens);
    // A sequence can only be there if its first word is.
    const has = (words: readonly string[]) => present.has(words[0] as string) && (words.length === 1 || containsSequence(tokens, words));

    // Safety first: a signal in the message, or a safety intent reaching the threshold, decides the answer.
    // A signal's words may have up to SIGNAL_GAP others between them ("asked me to confirm my password").
    const signals = this.signals.filter(
      (s) => s.phrases.some((p) => present.has(p[0] as string) && containsInOrder(tokens, p, SIGNAL_GAP)) && !s.guards.some(has),
    );
    const signal = signals[0];
    const safety = this.score(this.safetyIntents, tokens, present, has);
    for (const intent of new Set(signals.map((s) => s.intent))) {
      const own = safety.find((c) => c.intent === intent);
      if (own) own.score += this.threshold;
      else safety.push({ intent, score: this.threshold });
    }
    safety.sort((a, b) => b.score - a.score);
    const candidates = this.score(this.intents, tokens, present, has).sort((a, b) => b.score - a.score);
    const bestSafety = safety[0];
    const bestTopic = candidates[0];
    // Without a signal, a topic clearly ahead of the safety intent answers, and the safety answer is offered after it.
    const topicClearlyAhead = !signal && bestTopic !== undefined && bestSafety !== undefined && bestTopic.score - bestSafety.score >= AMBIGUITY_MARGIN;
    if (bestSafety && bestSafety.score >= this.threshold && !topicClearlyAhead) {
      const also = candidates
        .filter((c) => c.score >= this.threshold)
        .slice(0, 1)
        .map((c) => c.intent);
      return {
        kind: 'answer',
        intent: bestSafety.intent,
        confidence: confidenceOf(bestSafety.score),
        candidates: [...safety, ...candidates].slice(0, 3),
        safety: true,
        ...(signal ? { signal: signal.id } : {}),
        also,
      };
    }

    const top = candidates.slice(0, 3);
    const [first, second] = top;
    if (!first || first.score < this.threshold) {
      // Off-topic: no intent scored at all (the canteen menu; an ESR password, which the guards rule out), so not a
      // question for the national helpdesk.
      return { kind: 'fallback', confidence: first ? confidenceOf(first.score) : 0, candidates: top, offTopic: !first && safety.length === 0 };
    }
    if (second && second.score >= this.threshold && first.score - second.score < AMBIGUITY_MARGIN) {
      return { kind: 'didYouMean', intents: [first.intent, second.intent], confidence: confidenceOf(first.score), candidates: top };
    }
    const offerSafety = bestSafety && bestSafety.score >= this.threshold ? [bestSafety.intent] : [];
    return { kind: 'answer', intent: first.intent, confidence: confidenceOf(first.score), candidates: top, safety: false, also: offerSafety };
  }

  private score(list: IndexedIntents, tokens: readonly string[], present: ReadonlySet<string>, has: (words: readonly string[]) => boolean): Scored[] {
    const pointedTo = new Uint8Array(list.intents.length);
    for (const word of present) for (const at of list.byFirstWord.get(word) ?? []) pointedTo[at] = 1;
    const candidates: Scored[] = [];
    list.intents.forEach((intent, at) => {
      if (pointedTo[at] === 0) return; // no phrase or keyword of it can be in the question: it would score 0
      if (intent.guards.some(has)) return;
      if (intent.requires.length > 0 && !intent.requires.some(has)) return;
      let phraseScore = 0;
      for (const phrase of intent.phrases) {
        if (!present.has(phrase[0] as string)) continue; // neither in sequence nor scattered without its first word
        let s = 0;
        if (containsSequence(tokens, phrase)) s = PHRASE_SCORE + Math.max(0, phrase.length - 2) * PHRASE_EXTRA_WORD;
        else if (phrase.length > 1 && phrase.every((w) => present.has(w))) s = SCATTERED_PHRASE_SCORE;
        if (s > phraseScore) phraseScore = s;
      }
      let keywordScore = 0;
      for (const k of intent.keywords) if (has(k.words)) keywordScore += k.weight;
      const score = phraseScore + keywordScore;
      if (score > 0) candidates.push({ intent: intent.id, score });
    });
    return candidates;
  }
}
