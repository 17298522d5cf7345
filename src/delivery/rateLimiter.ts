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
 * moment at which all its budgets (tenant, conversation) have room in every window, and waits until then.
 * Reservations may land between earlier ones (a send held back by its busy conversation does not hold back
 * the tenant's other requests), and a reservation is only accepted if no window, ending at it or at any later
 * reservation, goes over its limit. A 429 pauses the whole tenant until its Retry-After. Synchronous and
 * clock-injected; the caller does the waiting.
 */
export class TeamsRateLimiter {
  /** Reserved send times per budget key, ascending. */
  private readonly slots = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly tenantWindows: readonly RateWindow[];
  private readonly conversationWindows: readonly RateWindow[];
  private readonly marginMs: number;
  private reservations = 0;

  constructor(
    settings: RateLimiterSettings,
    private readonly now: () => number,
    /** Told of every 429 (telemetry). */
    private readonly onThrottled: () => void = () => undefined,
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
    const { at, budgets } = this.earliest(keys, now);
    for (const [list] of budgets) list.splice(upperBound(list, at), 0, at);
    if (++this.reservations % 1000 === 0) this.sweep(now);
    return at - now;
  }

  /** How many ms a request would wait for its slot now, without reserving one (0 = it would go at once). */
  wouldWait(keys: RateKeys): number {
    const now = this.now();
    return this.earliest(keys, now).at - now;
  }

  /** The earliest time every budget of the request has room, and those budgets' reservation lists. */
  private earliest(keys: RateKeys, now: number): { at: number; budgets: [number[], readonly RateWindow[]][] } {
    const budgets: [number[], readonly RateWindow[]][] = [[this.list(`t|${keys.tenant}`, now, this.tenantWindows), this.tenantWindows]];
    if (keys.conversation !== undefined) {
      budgets.push([this.list(`c|${keys.conversation}`, now, this.conversationWindows), this.conversationWindows]);
    }
    let at = Math.max(now, this.pausedUntil.get(keys.tenant) ?? 0);
    // Each budget's earliest valid time is >= the time asked; repeat until all agree (times only grow).
    for (let settled = false; !settled;) {
      settled = true;
      for (const [list, windows] of budgets) {
        const earliest = this.earliestValid(list, windows, at);
        if (earliest > at) {
          at = earliest;
          settled = false;
        }
      }
    }
    return { at, budgets };
  }

  /** Teams answered 429: nothing more for this tenant until the Retry-After has passed. */
  pause(tenant: string, ms: number): void {
    this.onThrottled();
    const until = this.now() + Math.max(0, ms);
    if (until > (this.pausedUntil.get(tenant) ?? 0)) this.pausedUntil.set(tenant, until);
  }

  /** Number of budget keys tracked (for tests of the memory bound). */
  get size(): number {
    return this.slots.size;
  }

  /** The key's reservations, without those too old to matter any more. */
  private list(key: string, now: number, windows: readonly RateWindow[]): number[] {
    let list = this.slots.get(key);
    if (!list) {
      list = [];
      this.slots.set(key, list);
    }
    const drop = upperBound(list, now - this.longest(windows));
    if (drop > 0) list.splice(0, drop);
    return list;
  }

  /** The earliest time >= from at which one more request keeps every window of this budget within its limit. */
  private earliestValid(list: readonly number[], windows: readonly RateWindow[], from: number): number {
    if (this.fits(list, windows, from)) return from;
    const candidates = new Set<number>();
    for (const w of windows) for (const p of list) if (p + w.windowMs + this.marginMs > from) candidates.add(p + w.windowMs + this.marginMs);
    for (const c of [...candidates].sort((a, b) => a - b)) if (this.fits(list, windows, c)) return c;
    // Unreachable: after the last reservation plus the longest window, every window is empty.
    return (list[list.length - 1] ?? from) + this.longest(windows);
  }

  /** Whether a request at t keeps every window, ending at t or at any later reservation, within its limit. */
  private fits(list: readonly number[], windows: readonly RateWindow[], t: number): boolean {
    for (const w of windows) {
      const span = w.windowMs + this.marginMs;
      // The window ending at t: requests in (t - span, t].
      if (upperBound(list, t) - upperBound(list, t - span) + 1 > w.limit) return false;
      // Windows ending at later reservations p that would contain t: (p - span, p] with t in it.
      for (let i = upperBound(list, t); i < list.length && (list[i] as number) < t + span; i++) {
        const p = list[i] as number;
        if (i + 1 - upperBound(list, p - span) + 1 > w.limit) return false;
      }
    }
    return true;
  }

  private longest(windows: readonly RateWindow[]): number {
    return windows.reduce((m, w) => Math.max(m, w.windowMs + this.marginMs), 0);
  }

  private sweep(now: number): void {
    for (const [key, list] of this.slots) {
      const windows = key.startsWith('t|') ? this.tenantWindows : this.conversationWindows;
      const last = list[list.length - 1];
      if (last === undefined || last <= now - this.longest(windows)) this.slots.delete(key);
    }
    for (const [tenant, until] of this.pausedUntil) if (until <= now) this.pausedUntil.delete(tenant);
  }
}

/** Index of the first element > value in an ascending list. */
function upperBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
