/**
 * Sliding-window rate limits as Teams applies them: a request is refused while any window already holds
 * `limit` accepted requests; refused requests are not counted (so honouring Retry-After always works).
 */
import type { Clock } from './loopback';

/** One window: at most `limit` requests within `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** Teams' documented per bot, per conversation (thread) limits for send and create operations. */
export const TEAMS_PER_CONVERSATION_WINDOWS: readonly RateWindow[] = Object.freeze([
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1800, windowMs: 3_600_000 },
]);

/** Outcome of asking for a slot: allowed, or refused with the milliseconds until a slot frees. */
export type SlotResult = { allowed: true } | { allowed: false; retryAfterMs: number; window: RateWindow };

/** Keeps the accepted-request times per key and decides each new request against all windows. */
export class SlidingWindowLimiter {
  private readonly times = new Map<string, number[]>();
  private readonly longest: number;

  constructor(
    private readonly windows: readonly RateWindow[],
    private readonly clock: Clock,
  ) {
    this.longest = windows.reduce((m, w) => Math.max(m, w.windowMs), 0);
  }

  /** Takes a slot for `key` if every window has room; otherwise says how long until one frees. */
  take(key: string): SlotResult {
    const now = this.clock.now();
    const list = (this.times.get(key) ?? []).filter((t) => t > now - this.longest);
    let worst: { retryAfterMs: number; window: RateWindow } | undefined;
    for (const w of this.windows) {
      const inWindow = list.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.limit) {
        // The slot frees when enough of the oldest in-window requests have aged out.
        const freeing = inWindow[inWindow.length - w.limit];
        const retryAfterMs = (freeing ?? now) + w.windowMs - now;
        if (!worst || retryAfterMs > worst.retryAfterMs) worst = { retryAfterMs, window: w };
      }
    }
    if (worst) {
      this.times.set(key, list);
      return { allowed: false, ...worst };
    }
    list.push(now);
    this.times.set(key, list);
    return { allowed: true };
  }

  /** Forgets all counted requests. */
  reset(): void {
    this.times.clear();
  }
}
