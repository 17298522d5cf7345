/**
 * A DeliveryClock for tests that never sleeps for real: every wait moves virtual time forward at once (after
 * yielding to the event loop). Idle periods are skipped, so retries after Retry-After or backoff, lease
 * expiries and polling happen instantly and deterministically. No test-framework imports here.
 */
import type { DeliveryClock } from '../../src/delivery/clock';

export interface VirtualClock extends DeliveryClock {
  /** Every wait asked for, in ms (aborted waits included). */
  readonly waits: number[];
  advance(ms: number): void;
}

export function virtualClock(startMs = Date.UTC(2026, 0, 5, 10, 0, 0)): VirtualClock {
  let t = startMs;
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    sleep: async (ms, signal) => {
      waits.push(ms);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (ms > 0 && !signal?.aborted) t += ms;
    },
  };
}
