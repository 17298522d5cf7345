/**
 * Adapter: the intent matcher under benchmark. The matcher is built by the intents work (issue 3) as a pure
 * module under src/intents/; this file is the only place the bench knows where it is and how it is called.
 * Until it exists, loadMatcher() resolves undefined and the report says "n/a (matcher not merged)";
 * the question turns still run through the HTTP path, where the bot falls back to "did not understand".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/build';

/** The one line to change if the matcher module moves (path from the repository root, without extension). */
const MATCHER_MODULE = 'src/intents/matcher';

/** What the bench needs: build once, then map a question to an intent id (null when it falls back). */
export interface BenchMatcher {
  readonly source: string;
  match(question: string): string | null;
}

type MatchResult = string | null | undefined | { intent?: unknown; intentId?: unknown; id?: unknown; kind?: unknown };

function intentOf(result: MatchResult): string | null {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  const id = result.intentId ?? result.intent ?? result.id;
  if (typeof id === 'string') return id;
  if (typeof id === 'object' && id !== null && typeof (id as { id?: unknown }).id === 'string') return (id as { id: string }).id;
  return null;
}

/**
 * Loads the matcher if the module is there. It accepts the shapes a pure matcher module is likely to export:
 * a `createMatcher()`/`buildMatcher()`/`loadMatcher()` factory (optionally taking the content directory) whose
 * result has `match(question)`, or a plain `match(question)` function.
 */
export async function loadMatcher(): Promise<BenchMatcher | undefined> {
  const file = join(ROOT, MATCHER_MODULE);
  if (!existsSync(`${file}.ts`) && !existsSync(`${file}.js`) && !existsSync(join(file, 'index.ts'))) return undefined;
  const mod = (await import(file)) as Record<string, unknown>;
  const factory = ['createMatcher', 'buildMatcher', 'loadMatcher'].map((n) => mod[n]).find((f) => typeof f === 'function') as
    | ((contentDir?: string) => unknown)
    | undefined;
  const built = factory ? await factory(join(ROOT, 'cards')) : mod;
  const match = (built as { match?: unknown }).match;
  if (typeof match !== 'function') throw new Error(`${MATCHER_MODULE} has no match(question) the bench can call; adjust bench/adapters/matcher.ts`);
  return { source: MATCHER_MODULE, match: (q) => intentOf((match as (q: string) => MatchResult).call(built, q)) };
}
