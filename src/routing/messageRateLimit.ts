import { LRUCache } from 'lru-cache';

/**
 * Users whose recent messages are kept, per limit. One pushed out has written less lately than this many others did
 * since, so it loses nothing a flood needs: the flooder is always among the most recent.
 */
const TRACKED_USERS = 50_000;

/**
 * Per-user message limit (sliding minute), so one user cannot flood the bot. In memory, per instance:
 * with several instances a user's limit is per instance, which is enough to stop a runaway client.
 * Bounded by users tracked, least recently seen out first: each message costs the same however many users write.
 */
export class MessageRateLimit {
  // Bounded by count through maxSize (each user counts 1), not `max`: `max` would allocate room for every user at
  // start (about 1.4 MB per limit, and there are four: messages, card presses, and the two APIs), where most of it
  // is seldom used.
  private readonly recent = new LRUCache<string, number[]>({ maxSize: TRACKED_USERS, sizeCalculation: () => 1 });

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a message; 'ok', 'limited' (the first time over: tell the user), or 'silent' (over again: say nothing). */
  take(userKey: string): 'ok' | 'limited' | 'silent' {
    const now = this.now();
    const times = (this.recent.get(userKey) ?? []).filter((t) => now - t < 60_000);
    // Two past the limit is enough to tell 'limited' from 'silent': a flood costs no more memory than that.
    if (times.length <= this.perMinute + 1) times.push(now);
    this.recent.set(userKey, times);
    if (times.length <= this.perMinute) return 'ok';
    return times.length === this.perMinute + 1 ? 'limited' : 'silent';
  }

  /** Users whose messages are kept (at most 50,000). */
  get tracked(): number {
    return this.recent.size;
  }
}
