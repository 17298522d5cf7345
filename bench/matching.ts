/**
 * Intent matching latency: every labelled question, many rounds, each call timed on its own with the
 * high-resolution clock (after a warm-up so the JIT has settled). Also times the bot's command parser on the
 * same text as a reference for what "microseconds" looks like on this machine.
 */
import { parseCommand } from '../src/routing/commands';
import { labelledQuestions, loadMatcher } from './adapters/matcher';
import { summarise } from './lib/stats';

export interface LatencyFigures {
  /** Microseconds per call. */
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
  readonly calls: number;
}

export interface MatchingFigures {
  readonly matcher:
    | (LatencyFigures & {
        readonly source: string;
        readonly buildMs: number;
        /** In-scope questions whose intent was answered or offered in a "did you mean". */
        readonly inScopeRight: number;
        readonly outOfScopeFellBack: number;
      })
    | undefined;
  readonly commandParser: LatencyFigures;
  readonly questions: number;
}

function time(fn: (q: string) => unknown, questions: readonly string[], rounds: number): LatencyFigures {
  for (let r = 0; r < Math.min(rounds, 50); r++) for (const q of questions) fn(q);
  const samples: number[] = [];
  let kept = 0;
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const q of questions) {
      const t = process.hrtime.bigint();
      const out = fn(q);
      samples.push(Number(process.hrtime.bigint() - t) / 1000);
      if (out !== undefined) kept++; // uses the result, so the call cannot be optimised away
    }
  }
  const totalUs = Number(process.hrtime.bigint() - started) / 1000;
  const { p50, p99, n } = summarise(samples);
  return { p50, p99, perSecond: kept === 0 ? 0 : n / (totalUs / 1e6), calls: n };
}

export function measureMatching(rounds = 30): MatchingFigures {
  const labelled = labelledQuestions();
  const texts = labelled.map((q) => q.text);
  const commandParser = time((q) => parseCommand(q), texts, rounds);
  const buildStarted = performance.now();
  const matcher = loadMatcher();
  const buildMs = performance.now() - buildStarted;
  if (!matcher) return { matcher: undefined, commandParser, questions: texts.length };
  const inScope = labelled.filter((q) => q.intent !== null);
  const outOfScope = labelled.filter((q) => q.intent === null);
  const inScopeRight = inScope.filter((q) => matcher.match(q.text).includes(q.intent as string)).length / Math.max(1, inScope.length);
  const outOfScopeFellBack = outOfScope.filter((q) => matcher.match(q.text).length === 0).length / Math.max(1, outOfScope.length);
  const figures = time((q) => matcher.match(q), texts, rounds);
  return { matcher: { ...figures, source: matcher.source, buildMs, inScopeRight, outOfScopeFellBack }, commandParser, questions: texts.length };
}
