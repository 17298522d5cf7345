import { randomUUID } from 'node:crypto';
import { errorSummary } from '../errorSummary';
import type { Logger } from '../log';
import { keys, prefixes } from '../state/keys';
import { noTelemetry, type Telemetry } from '../telemetry/telemetry';
import { isETagConflict, type AtomicStorage } from '../state/storage';
import type { DeliveryClock } from './clock';
import { decideRetry, DEFAULT_RETRY, type RetrySettings } from './retry';

/** Where queued deliveries live in the store (the file and memory stores' queue, and every store's queue before issue 13). */
export const JOB_PREFIX = prefixes.jobs;

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
  /** Times it was taken from the queue (the store's queue; Azure counts its own). */
  readonly dequeues?: number;
  /** The dequeue count when an attempt last ended normally: dequeues beyond it ended in a crash or a hang. */
  readonly handled?: number;
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
  /** How long a claim holds before another instance may take the delivery over (longer than one attempt): the lease. */
  readonly leaseMs: number;
  /** How often an idle worker asks a shared queue (Azure) for work queued by other instances or released by crashed ones. */
  readonly pollMs: number;
  readonly retry: RetrySettings;
  /** Dequeues that ended without the attempt finishing (the worker crashed or hung) before a delivery is poison. Default 5. */
  readonly poisonAfter?: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { concurrency: 4, leaseMs: 60_000, pollMs: 5_000, retry: DEFAULT_RETRY, poisonAfter: 5 };

/** A delivery taken from the queue and hidden from other workers until the lease runs out. */
export interface Lease {
  readonly id: string;
  readonly job: StoredJob;
  /** Times the queue has handed it out, this one included. */
  readonly dequeueCount: number;
  /** Proof of the lease for the transport (token or pop receipt). */
  readonly receipt: string;
}

/** A delivery in the poison queue, as an operator sees it. */
export interface PoisonedJob {
  readonly id: string;
  readonly kind: string;
  readonly reason: string;
  readonly at: number;
  readonly attempts: number;
  readonly lastError?: string | undefined;
}

/**
 * Where deliveries wait: the store's own queue (file and memory stores, one process) or Azure Queue Storage
 * (STORAGE=blob, any number of instances). At least once: a lease that runs out hands the delivery to another worker.
 */
export interface QueueTransport {
  /** Gets ready (creates queues, moves deliveries queued under the earlier design); once per worker start. */
  open(): Promise<void>;
  /** Queues a delivery unless one with that id is waiting; resolves whether it was added. */
  add(id: string, job: StoredJob): Promise<boolean>;
  /** Up to max deliveries due now, each hidden from other workers for leaseMs. Costs O(1) store calls when none is due. */
  receive(max: number, leaseMs: number): Promise<Lease[]>;
  /** When this process next has a delivery due, or undefined when only asking the queue can tell (Azure). */
  nextDue(): number | undefined;
  /** Finishes a delivery (delivered, or given up). */
  complete(lease: Lease): Promise<void>;
  /** Puts a delivery back for a later attempt. */
  release(lease: Lease, job: StoredJob, visibleAt: number): Promise<void>;
  /** Moves a delivery to the poison queue. */
  poison(lease: Lease, reason: string): Promise<void>;
  /**
   * Withdraws deliveries by id (forget me), with what they carry about the user: those waiting, and those in the
   * poison queue (which are otherwise kept until an operator replays them); resolves how many were waiting. One in
   * flight may still finish; its handler finds the user's record gone and sends nothing.
   */
  cancel(ids: readonly string[]): Promise<number>;
  /** The attempt's bookkeeping failed: the delivery is taken again once its lease runs out. */
  abandon(lease: Lease): void;
  /** Deliveries waiting (all instances). */
  count(): Promise<number>;
  /** One cheap round trip proving the queue can be reached (for /readyz); creates nothing. */
  ping(): Promise<void>;
  /** The poison queue. */
  poisoned(): Promise<PoisonedJob[]>;
  /** Queues poisoned deliveries again (all, or those named), with fresh counts; resolves how many. */
  replay(ids?: readonly string[]): Promise<number>;
}

/**
 * The durable delivery worker, over a QueueTransport.
 *
 * - Queueing is idempotent by id. A worker takes deliveries with a lease (the store's eTag claim, or Azure's
 *   visibility timeout); success completes them, a retryable failure puts them back with their next time, and
 *   giving up calls the handler, then completes them.
 * - A crash leaves the lease to run out; the delivery is then taken again (at least once). Handlers make that safe
 *   with their own check before sending (the starter's record says welcomed or reminded: exactly once per user).
 * - A delivery taken poisonAfter times without its attempt ever ending (each take crashed or hung the worker), or of
 *   a kind no handler knows, moves to the poison queue, where an operator lists and replays it (npm run deliveries).
 * - An idle worker costs one queue call per poll (Azure) or none (the store's queue knows its own jobs), however
 *   big the backlog.
 */
export class DeliveryQueue {
  readonly instanceId = randomUUID();
  private readonly transport: QueueTransport;
  private running = 0;
  private started = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake = new AbortController();
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
      /** Where deliveries wait; the store's own queue when not given. */
      readonly transport?: QueueTransport;
      readonly telemetry?: Telemetry;
    },
  ) {
    this.transport = deps.transport ?? new StoreQueue(deps.storage, deps.clock, this.instanceId);
    this.telemetry = deps.telemetry ?? noTelemetry;
  }

  private readonly telemetry: Telemetry;

  /** Whether the queue can be reached (for /readyz). */
  ping(): Promise<void> {
    return this.transport.ping();
  }

  /** Stores deliveries (each id once) and wakes the worker. */
  async enqueue(jobs: readonly NewJob[]): Promise<number> {
    const now = this.deps.clock.now();
    let added = 0;
    for (let i = 0; i < jobs.length; i += 16) {
      const batch = jobs.slice(i, i + 16);
      const results = await Promise.all(
        batch.map((job) =>
          this.transport.add(job.id, { kind: job.kind, payload: job.payload, createdAt: now, notBefore: job.notBefore ?? now, attempts: 0, throttles: 0 }),
        ),
      );
      added += results.filter(Boolean).length;
      batch.forEach((job, j) => {
        if (results[j]) this.telemetry.count('deliveries', { kind: job.kind, outcome: 'queued' });
      });
    }
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

  /** Claims no more deliveries and waits for those in flight; what is left stays queued for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.poke();
    await this.loop;
    await Promise.all([...this.inFlight]);
    this.started = false;
    this.loop = undefined;
  }

  /** Resolves when the queue holds no deliveries and none is in flight here (tests, scripts, benchmarks). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.running === 0 && (await this.count()) === 0) return;
      await new Promise<void>((resolve) => {
        this.changeWaiters.push(resolve);
        void this.deps.clock.sleep(Math.min(this.deps.settings.pollMs, 250)).then(resolve);
      });
    }
  }

  /** Deliveries waiting (all instances). */
  count(): Promise<number> {
    return this.transport.count();
  }

  /**
   * Withdraws deliveries by id, waiting or poisoned, with the personal data they carry (forget me); resolves how many
   * were waiting.
   */
  cancel(ids: readonly string[]): Promise<number> {
    return this.transport.cancel(ids);
  }

  /** The poison queue: deliveries the worker stopped trying, for an operator. */
  poisoned(): Promise<PoisonedJob[]> {
    return this.transport.poisoned();
  }

  /** Queues poisoned deliveries again (all, or those named) and wakes the worker. */
  async replay(ids?: readonly string[]): Promise<number> {
    const n = await this.transport.replay(ids);
    this.poke();
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
    const { clock, settings, log } = this.deps;
    await this.transport.open();
    // The longest an idle worker sleeps without being woken (the store's queue: nothing to ask anyone meanwhile).
    const longest = settings.pollMs * 12;
    while (!this.stopping) {
      this.wake = new AbortController();
      const free = settings.concurrency - this.running;
      let received = 0;
      let failed = false;
      if (free > 0) {
        try {
          const leases = await this.transport.receive(free, settings.leaseMs);
          received = leases.length;
          for (const lease of leases) this.dispatch(lease);
        } catch (error) {
          failed = true;
          log.warn({ event: 'delivery.receiveFailed', err: errorSummary(error) }, 'could not read the delivery queue; will retry');
        }
      }
      if (this.stopping) break;
      if (received >= free && free > 0) continue; // there may be more due
      const now = clock.now();
      const nextDue = failed ? now + settings.pollMs : (this.transport.nextDue() ?? now + settings.pollMs);
      const wait = this.running >= settings.concurrency ? longest : Math.min(nextDue - now, longest);
      if (wait > 0) await clock.sleep(wait, this.wake.signal);
    }
  }

  private dispatch(lease: Lease): void {
    this.running++;
    const attempt = this.attempt(lease)
      .catch((error: unknown) => {
        // The lease runs out and the delivery is taken again.
        this.transport.abandon(lease);
        this.deps.log.warn({ event: 'delivery.storeFailed', err: errorSummary(error) }, 'delivery bookkeeping failed; will retry');
      })
      .finally(() => {
        this.running--;
        this.inFlight.delete(attempt);
        this.changed();
        this.poke();
      });
    this.inFlight.add(attempt);
  }

  /** Runs one leased delivery to its next state: done, given up, back in the queue, or poison. */
  private async attempt(lease: Lease): Promise<void> {
    const { clock, settings, log } = this.deps;
    const { job } = lease;
    const unfinished = lease.dequeueCount - 1 - (job.handled ?? 0);
    const poisonAfter = settings.poisonAfter ?? 5;
    if (unfinished >= poisonAfter) {
      await this.transport.poison(lease, `taken ${unfinished} times without the attempt finishing (the worker crashed or hung each time)`);
      this.telemetry.count('deliveries', { kind: job.kind, outcome: 'poisoned' });
      log.error({ event: 'delivery.poisoned', kind: job.kind, dequeues: lease.dequeueCount }, 'delivery moved to the poison queue');
      return;
    }
    const handler = this.deps.handlers[job.kind];
    if (!handler) {
      await this.transport.poison(lease, `no handler for deliveries of kind "${job.kind.slice(0, 40)}"`);
      this.telemetry.count('deliveries', { kind: 'unknown', outcome: 'poisoned' });
      log.error({ event: 'delivery.unknownKind', kind: job.kind }, 'no handler for a queued delivery; moved to the poison queue');
      return;
    }
    if (job.notBefore > clock.now()) {
      // Handed out early (a queue caps how long it hides a message): back until its time, not an attempt.
      await this.transport.release(lease, { ...job, handled: lease.dequeueCount }, job.notBefore);
      return;
    }
    let failure: unknown;
    await this.telemetry.time('delivery', { kind: job.kind }, async (span) => {
      try {
        await handler.deliver(job.payload);
        span.set({ outcome: 'sent' });
      } catch (error) {
        failure = error;
        span.set({ outcome: 'failed' });
      }
    });
    if (failure === undefined) {
      this.telemetry.count('deliveries', { kind: job.kind, outcome: 'sent' });
      await this.transport.complete(lease);
      log.debug({ event: 'delivery.done', kind: job.kind, instance: this.instanceId, attempts: job.attempts + 1 }, 'delivered');
      return;
    }
    const decision = decideRetry(failure, { attempts: job.attempts + 1, throttles: job.throttles }, settings.retry, this.deps.random);
    log.warn(
      {
        event: 'delivery.attemptFailed',
        kind: job.kind,
        attempt: job.attempts + 1,
        throttles: job.throttles,
        decision: decision.kind,
        err: errorSummary(failure),
      },
      'delivery attempt failed',
    );
    this.telemetry.count('deliveries', {
      kind: job.kind,
      outcome: decision.kind === 'giveUp' ? 'gaveUp' : decision.throttled ? 'throttled' : 'retried',
    });
    if (decision.kind === 'giveUp') {
      await handler.giveUp(job.payload, decision.reason);
      await this.transport.complete(lease);
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
      handled: lease.dequeueCount,
    };
    await this.transport.release(lease, next, notBefore);
  }
}

/**
 * The store's own queue (file and memory stores): one item per delivery under deliveries/jobs/, as before issue 13,
 * so deliveries queued by an earlier release are simply found at start. Made for one process: it reads the store's
 * deliveries once when the worker starts and then knows what it queued itself, so an idle worker costs nothing.
 * Claims are eTag writes (owner, token, expiry), so even two processes sharing one store never run a delivery twice;
 * each just works through what it queued and what it found at start.
 */
export class StoreQueue implements QueueTransport {
  /** Job key → when it may next be taken (its time, or when a lease runs out). */
  private readonly due = new Map<string, number>();
  private opened: Promise<void> | undefined;

  constructor(
    private readonly storage: AtomicStorage,
    private readonly clock: DeliveryClock,
    private readonly owner: string,
  ) {}

  open(): Promise<void> {
    this.opened ??= this.scan();
    return this.opened;
  }

  private async scan(): Promise<void> {
    const found: string[] = [];
    for await (const key of this.storage.list(JOB_PREFIX)) found.push(key);
    for (let i = 0; i < found.length; i += 50) {
      const batch = found.slice(i, i + 50);
      const items = await this.storage.read(batch);
      for (const key of batch) {
        const job = items[key] as StoredJob | undefined;
        if (job && !this.due.has(key)) this.due.set(key, Math.max(job.notBefore, job.lease?.until ?? 0));
      }
    }
  }

  async add(id: string, job: StoredJob): Promise<boolean> {
    const key = keys.job(id);
    const created = await this.storage.createIfAbsent(key, { ...job });
    if (created) this.due.set(key, job.notBefore);
    return created;
  }

  nextDue(): number | undefined {
    let next = Infinity;
    for (const at of this.due.values()) next = Math.min(next, at);
    return next;
  }

  async receive(max: number, leaseMs: number): Promise<Lease[]> {
    const now = this.clock.now();
    const candidates = [...this.due.entries()].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    const leases: Lease[] = [];
    for (const [key] of candidates) {
      if (leases.length >= max) break;
      this.due.set(key, now + leaseMs); // not again before this lease could have run out
      const stored = (await this.storage.read([key]))[key] as (StoredJob & { eTag?: string }) | undefined;
      if (!stored) {
        this.due.delete(key);
        continue;
      }
      const { eTag, ...job } = stored;
      const leasedUntil = job.lease && job.lease.until > now && job.lease.owner !== this.owner ? job.lease.until : 0;
      if (job.notBefore > now || leasedUntil > 0) {
        this.due.set(key, Math.max(job.notBefore, leasedUntil));
        continue;
      }
      const token = randomUUID();
      const leased: StoredJob = { ...job, lease: { owner: this.owner, token, until: now + leaseMs }, dequeues: (job.dequeues ?? 0) + 1 };
      try {
        await this.storage.write({ [key]: { ...leased, eTag: eTag ?? '*' } });
      } catch (error) {
        if (!isETagConflict(error)) throw error;
        continue; // another instance claimed it first: look again once its lease could have run out
      }
      this.due.set(key, Infinity); // in flight here: its attempt decides when it is next due
      leases.push({ id: key.slice(JOB_PREFIX.length), job: leased, dequeueCount: leased.dequeues ?? 1, receipt: token });
    }
    return leases;
  }

  abandon(lease: Lease): void {
    const key = keys.job(lease.id);
    if (this.due.get(key) === Infinity) this.due.set(key, lease.job.lease?.until ?? this.clock.now());
  }

  async complete(lease: Lease): Promise<void> {
    const key = keys.job(lease.id);
    await this.storage.delete([key]);
    this.due.delete(key);
  }

  async release(lease: Lease, job: StoredJob, visibleAt: number): Promise<void> {
    const key = keys.job(lease.id);
    const stored = (await this.storage.read([key]))[key] as (StoredJob & { eTag?: string }) | undefined;
    if (!stored || stored.lease?.token !== lease.receipt) {
      this.due.delete(key); // lost the lease: the new holder decides
      return;
    }
    try {
      await this.storage.write({ [key]: { ...job, lease: undefined, eTag: stored.eTag ?? '*' } });
    } catch (error) {
      if (!isETagConflict(error)) throw error;
      this.due.delete(key);
      return;
    }
    this.due.set(key, visibleAt);
  }

  async poison(lease: Lease, reason: string): Promise<void> {
    const { lease: _lease, ...job } = lease.job;
    await this.storage.write({ [keys.poisoned(lease.id)]: { job, reason, at: this.clock.now(), eTag: '*' } });
    await this.complete(lease);
  }

  async cancel(ids: readonly string[]): Promise<number> {
    const jobKeys = ids.map((id) => keys.job(id));
    const poisonKeys = ids.map((id) => keys.poisoned(id));
    const found = await this.storage.read([...jobKeys, ...poisonKeys]);
    const waiting = jobKeys.filter((key) => found[key] !== undefined);
    const poisoned = poisonKeys.filter((key) => found[key] !== undefined);
    if (waiting.length + poisoned.length > 0) await this.storage.delete([...waiting, ...poisoned]);
    for (const key of jobKeys) this.due.delete(key);
    return waiting.length;
  }

  ping(): Promise<void> {
    return this.storage.ping();
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _key of this.storage.list(JOB_PREFIX)) n++;
    return n;
  }

  async poisoned(): Promise<PoisonedJob[]> {
    const found: PoisonedJob[] = [];
    for await (const key of this.storage.list(prefixes.poisoned)) {
      const item = (await this.storage.read([key]))[key] as { job?: StoredJob; reason?: string; at?: number } | undefined;
      if (item?.job) found.push(describePoison(key.slice(prefixes.poisoned.length), item.job, item.reason, item.at));
    }
    return found;
  }

  async replay(ids?: readonly string[]): Promise<number> {
    let n = 0;
    for (const poisoned of await this.poisoned()) {
      if (ids && !ids.includes(poisoned.id)) continue;
      const key = keys.poisoned(poisoned.id);
      const item = (await this.storage.read([key]))[key] as { job: StoredJob } | undefined;
      if (!item) continue;
      await this.add(poisoned.id, freshJob(item.job, this.clock.now()));
      await this.storage.delete([key]);
      n++;
    }
    return n;
  }
}

/** A poisoned delivery queued again: due now, with its counts reset. */
export function freshJob(job: StoredJob, now: number): StoredJob {
  return { kind: job.kind, payload: job.payload, createdAt: job.createdAt, notBefore: now, attempts: 0, throttles: 0 };
}

export function describePoison(id: string, job: StoredJob, reason: string | undefined, at: number | undefined): PoisonedJob {
  return { id, kind: job.kind, reason: reason ?? 'unknown', at: at ?? 0, attempts: job.attempts, lastError: job.lastError };
}
