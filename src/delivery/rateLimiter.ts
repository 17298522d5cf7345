/** One sliding window: at most `limit` requests within `windowMs`. */
export interface RateWindow {
  readonly limit: number;
  readonly windowMs: number;
}

/** Teams' per bot, per conversation (thread) limits for sends and conversation creates. */
export const TEAMS_CONVERSATION_WINDOWS: readonly RateWindow[] = Object.freeze([
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1800, windowMs: 3_600_000 },
]);

export interface RateLimiterSettings {
  /** Requests per second for this app in one tenant (Teams: plan for 30). */
  readonly tenantPerSecond: number;
  /** Per conversation windows (default Teams'). */
  readonly conversationWindows?: readonly RateWindow[];
  /** Added to every window, so network jitter between here and Teams cannot squeeze one request too many into a window. */
  readonly marginMs?: number;
}

/** Which budgets a request spends: always its tenant's, and its conversation's for sends. */
export interface RateKeys {
  readonly tenant: string;
  readonly conversation?: string | undefined;
}

/**
 * Paces requests to Teams so they stay inside Teams' sliding windows: every request reserves the earliest
 * moment at which all its windows have room, and waits until then. Reservations are kept in time order per
 * key, so the check "fewer than limit requests in (t - window, t]" only looks at the past. A 429 pauses the
 * whole tenant until its Retry-After. Pure and synchronous; the caller does the waiting (injected clock).
 */
export class TeamsRateLimiter {
  private readonly slots = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly tenantWindows: readonly RateWindow[];
  private readonly conversationWindows: readonly RateWindow[];
  private readonly marginMs: number;
  private reservations = 0;

  constructor(
    settings: RateLimiterSettings,
    private readonly now: () => number,
  ) {
    // A fractional rate (e.g. 0.5/s) becomes one request per 2 s.
    this.tenantWindows =
      settings.tenantPerSecond >= 1
        ? [{ limit: Math.floor(settings.tenantPerSecond), windowMs: 1000 }]
        : [{ limit: 1, windowMs: Math.ceil(1000 / settings.tenantPerSecond) }];
    this.conversationWindows = settings.conversationWindows ?? TEAMS_CONVERSATION_WINDOWS;
    this.marginMs = settings.marginMs ?? 0;
  }

  /** Reserves the earliest slot for one request; resolves how many ms to wait before sending it (0 = now). */
  reserve(keys: RateKeys): number {
    const now = this.now();
    const budgets: [string, readonly RateWindow[]][] = [[`t|${keys.tenant}`, this.tenantWindows]];
    if (keys.conversation !== undefined) budgets.push([`c|${keys.conversation}`, this.conversationWindows]);
    let at = Math.max(now, this.pausedUntil.get(keys.tenant) ?? 0);
    for (const [key, windows] of budgets) at = Math.max(at, this.earliest(key, windows));
    for (const [key, windows] of budgets) {
      const list = this.slots.get(key) ?? [];
      list.push(at);
      this.slots.set(key, list);
      this.prune(key, windows, now);
    }
    if (++this.reservations % 1000 === 0) this.sweep(now);
    return at - now;
  }

  /** Teams answered 429: nothing more for this tenant until the Retry-After has passed. */
  pause(tenant: string, ms: number): void {
    const until = this.now() + Math.max(0, ms);
    if (until > (this.pausedUntil.get(tenant) ?? 0)) this.pausedUntil.set(tenant, until);
  }

  /** Number of keys tracked (for tests of the memory bound). */
  get size(): number {
    return this.slots.size;
  }

  private earliest(key: string, windows: readonly RateWindow[]): number {
    const list = this.slots.get(key);
    if (!list || list.length === 0) return 0;
    let at = list[list.length - 1] as number;
    for (const w of windows) {
      // With `limit` requests already in the window, the next may go once the limit-th most recent one leaves it.
      const blocking = list[list.length - w.limit];
      if (blocking !== undefined) at = Math.max(at, blocking + w.windowMs + this.marginMs);
    }
    return at;
  }

  private prune(key: string, windows: readonly RateWindow[], now: number): void {
    const list = this.slots.get(key);
    if (!list) return;
    const longest = windows.reduce((m, w) => Math.max(m, w.windowMs + this.marginMs), 0);
    const maxLimit = windows.reduce((m, w) => Math.max(m, w.limit), 0);
    let drop = 0;
    while (drop < list.length && (list[drop] as number) <= now - longest) drop++;
    // Keep at most the entries any window can still look at.
    drop = Math.max(drop, list.length - maxLimit);
    if (drop > 0) list.splice(0, drop);
  }

  private sweep(now: number): void {
    for (const [key, list] of this.slots) {
      const last = list[list.length - 1];
      const windows = key.startsWith('t|') ? this.tenantWindows : this.conversationWindows;
      const longest = windows.reduce((m, w) => Math.max(m, w.windowMs + this.marginMs), 0);
      if (last === undefined || last <= now - longest) this.slots.delete(key);
    }
    for (const [tenant, until] of this.pausedUntil) if (until <= now) this.pausedUntil.delete(tenant);
  }
}
