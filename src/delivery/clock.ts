import { setTimeout as sleepFor } from 'node:timers/promises';

/** Time for the delivery engine: read it and wait on it. Tests inject a virtual clock and never sleep for real. */
export interface DeliveryClock {
  now(): number;
  /** Resolves after ms, or early (without throwing) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock and real timers. */
export const systemDeliveryClock: DeliveryClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0 || signal?.aborted) return;
    try {
      await sleepFor(ms, undefined, { signal });
    } catch (error) {
      if ((error as { name?: string }).name !== 'AbortError') throw error;
    }
  },
};
