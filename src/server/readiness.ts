/** The dependencies /readyz checks. */
export type DependencyName = 'storage' | 'queue' | 'graph';

/** One dependency's check: resolves when it answered, throws (or is aborted) when it did not. */
export interface DependencyCheck {
  readonly name: DependencyName;
  check(signal: AbortSignal): Promise<void>;
  /** How long an answer that said "up" may be reused (Graph: spare its throttling budget); 0 = check every time. */
  readonly reuseUpMs?: number;
  /** How long an answer that said "down" may be reused (Graph: a loop of probes must not add to its throttling); 0 = check every time. */
  readonly reuseDownMs?: number;
}

/** One dependency's state as /readyz shows it: never an error's text, only what kind of failure. */
export interface DependencyState {
  readonly state: 'up' | 'down';
  readonly latencyMs: number;
  readonly reason?: 'timeout' | 'unreachable';
}

export interface ReadinessReport {
  readonly status: 'ready' | 'unready';
  readonly dependencies: Partial<Record<DependencyName, DependencyState>>;
}

/**
 * Whether the bot's dependencies answer, each within a bounded time, checked side by side. Probes arriving while a
 * check is running share it, so a flood of unauthenticated /readyz calls costs the dependencies one check at a time;
 * Graph's answers, up or down, are reused for a while, so probes one after another do not spend its throttling budget.
 */
export class Readiness {
  private running: Promise<ReadinessReport> | undefined;
  private readonly last = new Map<DependencyName, { at: number; state: DependencyState }>();

  constructor(
    private readonly checks: readonly DependencyCheck[],
    private readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The dependencies' states now (or from the check already running). */
  report(): Promise<ReadinessReport> {
    this.running ??= this.checkAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkAll(): Promise<ReadinessReport> {
    const states = await Promise.all(this.checks.map(async (c) => [c.name, await this.checkOne(c)] as const));
    const dependencies = Object.fromEntries(states) as Partial<Record<DependencyName, DependencyState>>;
    return { status: states.every(([, s]) => s.state === 'up') ? 'ready' : 'unready', dependencies };
  }

  private async checkOne(dependency: DependencyCheck): Promise<DependencyState> {
    const started = this.now();
    const reused = this.last.get(dependency.name);
    if (reused) {
      const reuseMs = (reused.state.state === 'up' ? dependency.reuseUpMs : dependency.reuseDownMs) ?? 0;
      if (started - reused.at < reuseMs) return reused.state;
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, this.timeoutMs);
    });
    let state: DependencyState;
    try {
      const outcome = await Promise.race([dependency.check(controller.signal).then(() => 'up' as const), timedOut]);
      const latencyMs = Math.round(this.now() - started);
      state = outcome === 'up' ? { state: 'up', latencyMs } : { state: 'down', latencyMs, reason: 'timeout' };
    } catch {
      state = { state: 'down', latencyMs: Math.round(this.now() - started), reason: controller.signal.aborted ? 'timeout' : 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
    this.last.set(dependency.name, { at: started, state });
    return state;
  }
}
