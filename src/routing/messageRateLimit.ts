/**
 * Per-user message limit (sliding minute), so one user cannot flood the bot. In memory, per instance:
 * with several instances a user's limit is per instance, which is enough to stop a runaway client.
 */
export class MessageRateLimit {
  private readonly recent = new Map<string, number[]>();

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
    if (this.recent.size > 50_000) this.prune(now);
    if (times.length <= this.perMinute) return 'ok';
    return times.length === this.perMinute + 1 ? 'limited' : 'silent';
  }

  private prune(now: number): void {
    for (const [key, times] of this.recent) if (times.every((t) => now - t >= 60_000)) this.recent.delete(key);
  }
}
