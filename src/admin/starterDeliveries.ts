import type { DeliveryQueue, JobHandler, NewJob } from '../delivery/queue';
import { TryLaterError } from '../delivery/retry';
import { jobIds } from '../state/keys';
import type { DeliveryResult, StarterJob } from './welcomeDelivery';

/** The queue's name for LA welcomes. */
export const WELCOME_KIND = 'welcome';

/** One LA welcome as a durable delivery: one per push and starter, so queueing a push twice queues it once. */
export function welcomeJob(job: StarterJob): NewJob {
  return { id: jobIds.welcome(job.pushId, job.address), kind: WELCOME_KIND, payload: { ...job } };
}

/** Delivers a queued welcome and records the outcome on the push (status card, audit). */
export function welcomeHandler(deps: {
  readonly deliver: (job: StarterJob) => Promise<DeliveryResult>;
  readonly onOutcome: (job: StarterJob, result: DeliveryResult) => Promise<void>;
}): JobHandler {
  return {
    async deliver(payload) {
      const job = asStarterJob(payload);
      await deps.onOutcome(job, await deps.deliver(job));
    },
    async giveUp(payload, reason) {
      await deps.onOutcome(asStarterJob(payload), { status: 'failed', reason });
    },
  };
}

function asStarterJob(payload: Record<string, unknown>): StarterJob {
  const { pushId, address, tenantId, la } = payload as Partial<StarterJob>;
  if (typeof pushId !== 'string' || typeof address !== 'string' || typeof tenantId !== 'string' || typeof la?.aadObjectId !== 'string') {
    throw new TryLaterError('malformed welcome delivery', 60_000);
  }
  return { pushId, address, tenantId, la: { aadObjectId: la.aadObjectId, name: typeof la.name === 'string' ? la.name : '' } };
}

/**
 * LA welcomes on the durable, rate-limited delivery queue (src/delivery/queue.ts): queued in the store, so they
 * survive a restart and can be shared by several instances. App exposes this as `deliveries`.
 */
export class StarterDeliveries {
  constructor(readonly queue: DeliveryQueue) {}

  /** Queues starters for delivery (in the store; each push and starter once). */
  async enqueue(jobs: readonly StarterJob[]): Promise<void> {
    await this.queue.enqueue(jobs.map(welcomeJob));
  }

  /** Starts the worker: resumes whatever the store holds. */
  start(): void {
    this.queue.start();
  }

  /** Lets deliveries in flight finish, and starts no more; the rest stays queued in the store. */
  stop(): Promise<void> {
    return this.queue.stop();
  }

  /** Resolves when nothing is queued (by any instance) or running here (tests, scripts, benchmarks). */
  drain(): Promise<void> {
    return this.queue.drain();
  }
}
