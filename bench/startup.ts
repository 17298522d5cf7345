/**
 * Start-up: spawn the built bot (plain node, production-like settings) on a store already holding 10,000 users'
 * state, and time spawn() → first 200 from /readyz (which reads the store). RSS is read from /proc at that
 * moment. Several trials; the median is reported.
 */
import { startChild } from './lib/children';
import { median } from './lib/stats';

export interface StartupFigures {
  readonly trialsMs: readonly number[];
  readonly medianMs: number;
  /** RSS when ready, median over the trials, MB. */
  readonly rssMb: number;
}

export async function measureStartup(name: string, script: string, env: Record<string, string>, trials: number): Promise<StartupFigures> {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < trials; i++) {
    const child = await startChild({ name, script, env });
    times.push(child.startMs);
    rss.push(child.memory().rssMb);
    await child.stop();
  }
  return { trialsMs: times, medianMs: median(times), rssMb: median(rss) };
}
