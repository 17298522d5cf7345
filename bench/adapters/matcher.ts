/**
 * Adapter: the intent matcher under benchmark (issue 3, src/intents/matcher.ts) and its labelled questions.
 * This file is the only place the bench knows the matcher's module and API: if either moves, change the
 * import below (one line) and `loadMatcher`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { IntentMatcher } from '../../src/intents/matcher';
import { ROOT } from '../lib/build';

/** What the bench needs: built once, then question → intent ids offered (none when it falls back). */
export interface BenchMatcher {
  readonly source: string;
  /** The one intent answered, the two of a "did you mean", or [] for the fallback. */
  match(question: string): readonly string[];
}

export function loadMatcher(): BenchMatcher | undefined {
  const matcher = new IntentMatcher(loadContent(join(ROOT, 'cards')).intents.map);
  return {
    source: 'src/intents/matcher.ts (IntentMatcher)',
    match: (question) => {
      const m = matcher.match(question);
      return m.kind === 'answer' ? [m.intent] : m.kind === 'didYouMean' ? m.intents : [];
    },
  };
}

export interface LabelledQuestion {
  readonly text: string;
  /** The intent meant, or null when out of scope (should fall back). */
  readonly intent: string | null;
}

/**
 * The project's labelled question sets (test/fixtures/intents-*.json: the tuning set, the held-out set and the
 * unseen third-party set), so the bench times the matcher on the same phrasing its accuracy tests use.
 */
export function labelledQuestions(): LabelledQuestion[] {
  const out: LabelledQuestion[] = [];
  for (const name of ['labelled', 'heldout', 'unseen']) {
    const file = join(ROOT, 'test', 'fixtures', `intents-${name}.json`);
    if (!existsSync(file)) continue;
    const set = JSON.parse(readFileSync(file, 'utf8')) as { inScope: { q: string; intent: string }[]; outOfScope: string[] };
    out.push(...set.inScope.map((x) => ({ text: x.q, intent: x.intent })), ...set.outOfScope.map((q) => ({ text: q, intent: null })));
  }
  if (out.length === 0) throw new Error('no labelled questions found under test/fixtures/intents-*.json');
  return out;
}
