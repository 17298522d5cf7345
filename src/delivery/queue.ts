import { randomUUID } from 'node:crypto';
import { errorSummary } from '../bot/errors';
import type { Logger } from '../log';
import { isETagConflict, type AtomicStorage } from '../state/storage';
import type { DeliveryClock } from './clock';
import { decideRetry, DEFAULT_RETRY, type RetrySettings } from './retry';

/** Where queued deliveries live in the store: one item per delivery. */
export const JOB_PREFIX = 'deliveries/jobs/';

/** A delivery as stored. Times are epoch milliseconds. */
export interface StoredJob {
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: number;
  /** Not to be tried before this time (backoff, Retry-After, working hours). */
  readonly notBefore: number;
  /** Failed attempts so far (not counting throttling). */
  readonly attempts: number;
  /** Throttled (429) attempts so far. */
  readonly throttles: number;
  /** The instance working on it, until when; another instance may take it over after that. */
  readonly lease?: { readonly owner: string; readonly token: string; readonly until: number } | undefined;
  readonly lastError?: string | undefined;
}

/** A delivery to queue. `id` makes queueing idempotent: the same id is queued once. */
export interface NewJob {
  readonly id: string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  readonly notBefore?: number;
}

/** Does one kind of delivery. `deliver` throws to have the engine retry (or give up) by Teams' rules. */
export interface JobHandler {
  deliver(payload: Record<string, unknown>): Promise<void>;
  /** The engine gave up: record the failure (reason in plain words). */
  giveUp(payload: Record<string, unknown>, reason: string): Promise<void>;
}

export interface QueueSettings {
  readonly concurrency: number;
  /** How long a claim holds before another instance may take the delivery over (longer than one attempt). */
  readonly leaseMs: number;
  /** How often to look in the store for deliveries queued by other instances or released by crashed ones. */
  readonly pollMs: number;
  readonly retry: RetrySettings;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { concurrency: 4, leaseMs: 60_000, pollMs: 5_000, retry: DEFAULT_RETRY };

interface Candidate {
  readonly key: string;
  notBefore: number;
}

/**
 * A durable delivery queue over AtomicStorage, safe for several instances sharing one store.
 *
 * - Each delivery is an item under deliveries/jobs/. Queueing is createIfAbsent, so it is idempotent.
 * - To work on a delivery an instance claims it: reads it and writes a lease back with the eTag it read.
 *   Only one conditional write can win, so two instances never run one delivery at the same time.
 * - Success deletes the item; a retryable failure writes it back (still holding the lease, checked by token)
 *   with its next time and counts; giving up calls the handler, then deletes it.
 * - A crash leaves the lease to expire; the delivery is then taken over (at least once). Handlers make that
 *   safe with their own idempotency check before sending (the starter's record says welcomed or reminded).
 * - Nothing is kept in memory that the store does not have: a restart resumes where the store is.
 */
export class DeliveryQueue {
  readonly instanceId = randomUUID();
  private readonly candidates = new Map<string, Candidate>();
  private running = 0;
  private started = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake = new AbortController();
  private lastScan = -Infinity;
  /** pollMs while there is work; doubles (up to 12×) while scans find nothing, since listing a file store reads every file. */
  private scanEveryMs: number;
  private changeWaiters: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      readonly storage: AtomicStorage;
      readonly handlers: Readonly<Record<string, JobHandler>>;
      readonly clock: DeliveryClock;
      readonly log: Logger;
      readonly settings: QueueSettings;
      readonly random?: () => number;
    },
  ) {
    this.scanEveryMs = deps.settings.pollMs;
  }

  /** Stores deliveries (each id once) and wakes the worker. */
  async enqueue(jobs: readonly NewJob[]): Promise<number> {
    const now = this.deps.clock.now();
    let added = 0;
    for (let i = 0; i < jobs.length; i += 16) {
      const results = await Promise.all(
        jobs.slice(i, i + 16).map(async (job) => {
          const key = JOB_PREFIX + job.id;
          const item: StoredJob = { kind: job.kind, payload: job.payload, createdAt: now, notBefore: job.notBefore ?? now, attempts: 0, throttles: 0 };
          const created = await this.deps.storage.createIfAbsent(key, { ...item });
          if (created) this.candidates.set(key, { key, notBefore: item.notBefore });
          return created;
        }),
      );
      added += results.filter(Boolean).length;
    }
    this.scanEveryMs = this.deps.settings.pollMs;
    this.poke();
    return added;
  }

  /** Starts the worker (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.loop = this.work().catch((error: unknown) => {
      this.deps.log.error({ event: 'delivery.workerFailed', err: errorSummary(error) }, 'delivery worker stopped');
    });
  }

  /** Claims no more deliveries and waits for those in flight; what is left stays in the store for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    await this.loop;
    await Promise.all([...this.inFlight]);
    this.started = false;
    this.loop = undefined;
  }

  /** Resolves when the store holds no deliveries and none is in flight here (tests, scripts, benchmarks). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.running === 0 && (await this.count()) === 0) return;
      await new Promise<void>((resolve) => {
        this.changeWaiters.push(resolve);
        void this.deps.clock.sleep(Math.min(this.deps.settings.pollMs, 250)).then(resolve);
      });
    }
  }

  /** Deliveries waiting in the store (all instances). */
  async count(): Promise<number> {
    let n = 0;
    for await (const _key of this.deps.storage.list(JOB_PREFIX)) n++;
    return n;
  }

  private poke(): void {
    this.wake.abort();
  }

  private changed(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    waiters.forEach((w) => w());
  }

  private async work(): Promise<void> {
    const { clock, settings } = this.deps;
    while (!this.stopping) {
      this.wake = new AbortController();
      if (clock.now() - this.lastScan >= this.scanEveryMs) await this.scan();
      this.dispatch();
      if (this.stopping) break;
      const now = clock.now();
      const nextDue =
        this.running < settings.concurrency ? [...this.candidates.values()].reduce((m, c) => Math.min(m, c.notBefore), Infinity) : Infinity;
      const wait = Math.min(this.lastScan + this.scanEveryMs, nextDue) - now;
      if (wait > 0) await clock.sleep(wait, this.wake.signal);
    }
  }

  /** Starts as many due deliveries as concurrency allows. */
  private dispatch(): void {
    const now = this.deps.clock.now();
    const due = [...this.candidates.values()].filter((c) => c.notBefore <= now).sort((a, b) => a.notBefore - b.notBefore);
    for (const candidate of due) {
      if (this.stopping || this.running >= this.deps.settings.concurrency) return;
      // Until this attempt settles, the candidate is not due again here.
      candidate.notBefore = Infinity;
      this.running++;
      const attempt = this.attempt(candidate.key)
        .catch((error: unknown) => {
          this.deps.log.warn({ event: 'delivery.storeFailed', err: errorSummary(error) }, 'delivery bookkeeping failed; will retry');
          this.candidates.set(candidate.key, { key: candidate.key, notBefore: this.deps.clock.now() + this.deps.settings.pollMs });
        })
        .finally(() => {
          this.running--;
          this.inFlight.delete(attempt);
          this.changed();
          this.poke();
        });
      this.inFlight.add(attempt);
    }
  }

  /** Reads the store's deliveries into candidates (new ones from other instances, leases that expired). */
  private async scan(): Promise<void> {
    const now = this.deps.clock.now();
    this.lastScan = now;
    const keys: string[] = [];
    for await (const key of this.deps.storage.list(JOB_PREFIX)) keys.push(key);
    const { pollMs } = this.deps.settings;
    this.scanEveryMs = keys.length === 0 && this.candidates.size === 0 ? Math.min(this.scanEveryMs * 2, pollMs * 12) : pollMs;
    const present = new Set(keys);
    for (const key of this.candidates.keys()) if (!present.has(key) && this.candidates.get(key)?.notBefore !== Infinity) this.candidates.delete(key);
    for (let i = 0; i < keys.length; i += 50) {
      const batch = keys.slice(i, i + 50).filter((k) => this.candidates.get(k)?.notBefore !== Infinity);
      const items = await this.deps.storage.read(batch);
      for (const key of batch) {
        const job = items[key] as StoredJob | undefined;
        if (!job) {
          this.candidates.delete(key);
          continue;
        }
        const leased = job.lease && job.lease.until > now ? job.lease.until : 0;
        this.candidates.set(key, { key, notBefore: Math.max(job.notBefore, leased) });
      }
    }
  }

  /** Claims one delivery and runs it; does nothing when another instance has it, or it is gone or not yet due. */
  private async attempt(key: string): Promise<void> {
    const { storage, clock, settings, log } = this.deps;
    const claimed = await this.claim(key);
    if (!claimed) return;
    const { job, token } = claimed;
    const handler = this.deps.handlers[job.kind];
    if (!handler) {
      log.error({ event: 'delivery.unknownKind', kind: job.kind }, 'no handler for a queued delivery; dropped');
      await storage.delete([key]);
      this.candidates.delete(key);
      return;
    }
    let failure: unknown;
    try {
      await handler.deliver(job.payload);
    } catch (error) {
      failure = error;
    }
    if (failure === undefined) {
      await storage.delete([key]);
      this.candidates.delete(key);
      log.debug({ event: 'delivery.done', kind: job.kind, instance: this.instanceId, attempts: job.attempts + 1 }, 'delivered');
      return;
    }
    const decision = decideRetry(failure, { attempts: job.attempts + 1, throttles: job.throttles }, settings.retry, this.deps.random);
    log.warn(
      { event: 'delivery.attemptFailed', kind: job.kind, attempt: job.attempts + 1, throttles: job.throttles, decision: decision.kind, err: errorSummary(failure) },
      'delivery attempt failed',
    );
    if (decision.kind === 'giveUp') {
      await handler.giveUp(job.payload, decision.reason);
      await storage.delete([key]);
      this.candidates.delete(key);
      return;
    }
    const notBefore = clock.now() + decision.delayMs;
    const next: StoredJob = {
      ...job,
      notBefore,
      attempts: decision.throttled ? job.attempts : job.attempts + 1,
      throttles: decision.throttled ? job.throttles + 1 : job.throttles,
      lease: undefined,
      lastError: JSON.stringify(errorSummary(failure)).slice(0, 200),
    };
    await this.release(key, token, next);
    this.candidates.set(key, { key, notBefore });
  }

  private async claim(key: string): Promise<{ job: StoredJob; token: string } | undefined> {
    const { storage, clock, settings } = this.deps;
    const items = await storage.read([key]);
    const stored = items[key] as (StoredJob & { eTag?: string }) | undefined;
    const now = clock.now();
    if (!stored) {
      this.candidates.delete(key);
      return undefined;
    }
    const { eTag, ...job } = stored;
    const leasedUntil = job.lease && job.lease.until > now && job.lease.owner !== this.instanceId ? job.lease.until : 0;
    if (job.notBefore > now || leasedUntil > 0) {
      this.candidates.set(key, { key, notBefore: Math.max(job.notBefore, leasedUntil) });
      return undefined;
    }
    const token = randomUUID();
    const leased: StoredJob = { ...job, lease: { owner: this.instanceId, token, until: now + settings.leaseMs } };
    try {
      await storage.write({ [key]: { ...leased, eTag: eTag ?? '*' } });
    } catch (error) {
      if (!isETagConflict(error)) throw error;
      // Another instance claimed it first: look again once its lease could have run out.
      this.candidates.set(key, { key, notBefore: now + settings.leaseMs });
      return undefined;
    }
    return { job: leased, token };
  }

  /** Writes the delivery back for a later attempt, if this instance still holds its lease. */
  private async release(key: string, token: string, next: StoredJob): Promise<void> {
    const items = await this.deps.storage.read([key]);
    const stored = items[key] as (StoredJob & { eTag?: string }) | undefined;
    if (!stored || stored.lease?.token !== token) return; // lost the lease: the new holder decides
    try {
      await this.deps.storage.write({ [key]: { ...next, eTag: stored.eTag ?? '*' } });
    } catch (error) {
      if (!isETagConflict(error)) throw error;
    }
  }
}
