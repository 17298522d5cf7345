import { setTimeout as sleep } from 'node:timers/promises';
import { errorSummary } from '../bot/errors';
import { classifyDeliveryError } from '../delivery/classify';
import type { Logger } from '../log';
import type { AtomicStorage } from '../state/storage';
import type { DeliveryResult, StarterJob } from './welcomeDelivery';

export interface StarterDeliveriesDeps {
  readonly storage: AtomicStorage;
  readonly deliver: (job: StarterJob) => Promise<DeliveryResult>;
  readonly onOutcome: (job: StarterJob, result: DeliveryResult) => Promise<void>;
  readonly log: Logger;
  readonly settings: { readonly tenantPerSecond: number; readonly concurrency: number; readonly maxAttempts: number };
}

/** Delivers LA welcomes in the background, a few at a time, retrying throttling and transient Teams errors. */
export class StarterDeliveries {
  private readonly queue: StarterJob[] = [];
  private running = 0;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: StarterDeliveriesDeps) {}

  /** Queues starters for delivery. */
  async enqueue(jobs: StarterJob[]): Promise<void> {
    this.queue.push(...jobs);
    this.pump();
    return Promise.resolve();
  }

  start(): void {
    this.stopped = false;
    this.pump();
  }

  /** Lets deliveries in flight finish, and starts no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when nothing is queued or running (tests and benchmarks). */
  async drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.deps.settings.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as StarterJob;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        if (this.running === 0 && (this.queue.length === 0 || this.stopped)) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          waiters.forEach((w) => w());
        }
        this.pump();
      });
    }
  }

  private async run(job: StarterJob): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.onOutcome(job, await this.deps.deliver(job));
        return;
      } catch (error) {
        const failure = classifyDeliveryError(error);
        const retry = (failure.kind === 'throttled' || failure.kind === 'transient') && attempt < this.deps.settings.maxAttempts;
        this.deps.log.warn({ event: 'delivery.attemptFailed', attempt, kind: failure.kind, err: errorSummary(error) }, 'delivery attempt failed');
        if (!retry) {
          await this.deps.onOutcome(job, { status: 'failed', reason: failure.kind === 'fatal' ? failure.reason : 'Teams kept refusing; try again later.' });
          return;
        }
        const wait = failure.kind === 'throttled' && failure.retryAfterMs !== undefined ? failure.retryAfterMs : Math.random() * 2 ** attempt * 250;
        await sleep(wait);
      }
    }
  }
}
