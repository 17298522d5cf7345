import type { QueueClient, StoragePipelineOptions } from '@azure/storage-queue';
import { errorSummary } from '../errorSummary';
import type { Logger } from '../log';
import type { BlobAccess } from '../state/blobStorage';
import type { AtomicStorage } from '../state/storage';
import type { DeliveryClock } from './clock';
import { keys as storeKeys } from '../state/keys';
import { describePoison, freshJob, JOB_PREFIX, type Lease, type PoisonedJob, type QueueTransport, type StoredJob } from './queue';

/** Marks a delivery id as queued, so queueing it again (a second reminder run, another instance) adds nothing. */
/** How long an id mark holds: longer than any delivery waits, short enough that a mark left by a crash expires. */
const MARK_MS = 24 * 60 * 60 * 1000;
/** Azure hides a message for at most 7 days; a later time is reached by putting it back again when it shows. */
const MAX_HIDE_S = 7 * 24 * 60 * 60 - 60;
/** How long the operator's listing hides poison messages while it pages through them. */
const LISTING_HIDE_S = 30;

/** Few, short retries: a turn may wait on queueing (an install's welcome). */
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 3, tryTimeoutInMs: 4000, retryDelayInMs: 100, maxRetryDelayInMs: 1000 } };

/** The id mark: until when the id counts as queued, and where its message is (for cancelling it). */
interface Mark {
  readonly until: number;
  readonly messageId?: string;
  readonly popReceipt?: string;
}

/** Where a poisoned delivery's message is, under deliveries/poison/<id>: forget me deletes it by id, without a scan. */
interface PoisonMark {
  readonly messageId: string;
  readonly popReceipt: string;
}

/** A forget me found a poisoned delivery of the user that it could not delete now (an operator's listing holds it). */
export class PoisonBusyError extends Error {
  override name = 'PoisonBusyError';
}

interface Body {
  readonly id: string;
  readonly job: StoredJob;
  readonly reason?: string;
  readonly at?: number;
}

/** The queue names for a container: `<container>-deliveries` and `<container>-deliveries-poison` (Azure's name rules hold). */
export function queueNames(container: string): { readonly main: string; readonly poison: string } {
  const base = container.slice(0, 63 - '-deliveries-poison'.length).replace(/-+$/, '');
  return { main: `${base}-deliveries`, poison: `${base}-deliveries-poison` };
}

/** The queue service URL for an account's blob URL (https://<account>.blob.core.windows.net → .queue.). */
export function queueUrlFor(accountUrl: string): string {
  return accountUrl.replace('.blob.', '.queue.');
}

/** Queue clients for the configured account: the connection string's queue endpoint, or the queue URL and a managed identity. */
export function azureQueueClients(access: BlobAccess, container: string, queueUrl: string | undefined): { main: QueueClient; poison: QueueClient } {
  // Loaded only with STORAGE=blob, like the blob SDK.
  const { QueueServiceClient } = require('@azure/storage-queue') as typeof import('@azure/storage-queue');
  const service =
    typeof access === 'string'
      ? QueueServiceClient.fromConnectionString(access, PIPELINE)
      : new QueueServiceClient(
          queueUrl ?? queueUrlFor(access.accountUrl),
          (require('../state/blobStorage') as typeof import('../state/blobStorage')).managedIdentity(access.managedIdentityClientId),
          PIPELINE,
        );
  const names = queueNames(container);
  return { main: service.getQueueClient(names.main), poison: service.getQueueClient(names.poison) };
}

function encode(body: Body): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
}

function decode(text: string): Body | undefined {
  try {
    const body = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<Body>;
    if (typeof body.id !== 'string' || typeof body.job !== 'object' || body.job === null || typeof body.job.kind !== 'string') return undefined;
    return body as Body;
  } catch {
    return undefined;
  }
}

function hideSeconds(ms: number): number {
  return Math.min(MAX_HIDE_S, Math.max(0, Math.ceil(ms / 1000)));
}

function notFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

/**
 * Deletes the message a mark names (a waiting delivery's, or a poisoned one's): 'deleted'; 'gone' when it was deleted
 * already (404) or the mark names none; 'held' when its pop receipt is no longer the latest (400: a worker or a listing
 * has received it since).
 */
async function deleteByMark(queue: QueueClient, mark: { readonly messageId?: unknown; readonly popReceipt?: unknown }): Promise<'deleted' | 'gone' | 'held'> {
  const { messageId, popReceipt } = mark;
  if (typeof messageId !== 'string' || typeof popReceipt !== 'string') return 'gone';
  try {
    await queue.deleteMessage(messageId, popReceipt);
    return 'deleted';
  } catch (error) {
    if (notFound(error)) return 'gone';
    if ((error as { statusCode?: number }).statusCode === 400) return 'held';
    throw error;
  }
}

/**
 * Deliveries on Azure Queue Storage (STORAGE=blob): one message per delivery, shared by every instance.
 *
 * - The visibility timeout is the lease: a received message is hidden for DELIVERY_LEASE_SECONDS; a worker that dies
 *   leaves it to show again, and another takes it. A retry is the same message put back (updated) with its next time.
 * - The dequeue count catches poison: the worker compares it with the count its last finished attempt recorded.
 * - Poison goes to `<container>-deliveries-poison`, listed and replayed by `npm run deliveries`.
 * - Queueing is idempotent by id through a mark in the blob store (deliveries/queued/<id>), removed when the delivery
 *   is done. A crash between the message and the mark at worst queues a delivery twice, which the claim in the
 *   user's record makes harmless (exactly once per user).
 * - A poisoned delivery has a mark too (deliveries/poison/<id>: its message id and latest pop receipt), so forget me
 *   deletes it by id.
 * - Deliveries queued in the blob store by an earlier release (deliveries/jobs/) are moved to the queue at start.
 * - An idle poll is one Get Messages call, whatever the backlog.
 */
export class AzureQueueTransport implements QueueTransport {
  private opened: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      readonly main: QueueClient;
      readonly poison: QueueClient;
      /** The state store: id marks, and deliveries queued under the earlier design. */
      readonly storage: AtomicStorage;
      readonly clock: DeliveryClock;
      readonly log: Logger;
    },
  ) {}

  open(): Promise<void> {
    this.opened ??= this.prepare().catch((error: unknown) => {
      this.opened = undefined; // tried again at the next start
      throw error;
    });
    return this.opened;
  }

  private async prepare(): Promise<void> {
    await Promise.all([this.deps.main.createIfNotExists(), this.deps.poison.createIfNotExists()]);
    // Deliveries queued under the earlier design (an item each in the store): moved over, once.
    let moved = 0;
    for await (const key of this.deps.storage.list(JOB_PREFIX)) {
      const job = (await this.deps.storage.read([key]))[key] as (StoredJob & { eTag?: string }) | undefined;
      if (job) {
        const { eTag: _eTag, lease: _lease, ...rest } = job;
        await this.send(key.slice(JOB_PREFIX.length), rest);
        moved++;
      }
      await this.deps.storage.delete([key]);
    }
    if (moved > 0) this.deps.log.info({ event: 'delivery.migrated', moved }, 'moved queued deliveries from the store to Azure Queue Storage');
    // Poisoned deliveries get their marks (those poisoned by a release without them, and receipts a listing changed):
    // one Get Messages when the poison queue is empty, as it should be.
    await this.pagePoison(() => Promise.resolve(false));
  }

  async add(id: string, job: StoredJob): Promise<boolean> {
    await this.open(); // queueing may come before the worker starts (npm run remind, a turn during start-up)
    return this.send(id, job);
  }

  private async send(id: string, job: StoredJob): Promise<boolean> {
    const { storage, clock, main } = this.deps;
    const mark = storeKeys.queued(id);
    const now = clock.now();
    const existing = (await storage.read([mark]))[mark] as { until?: number } | undefined;
    if (existing?.until !== undefined && existing.until > now) return false;
    const sent = await main.sendMessage(encode({ id, job }), { visibilityTimeout: hideSeconds(job.notBefore - now), messageTimeToLive: -1 });
    await storage.write({ [mark]: { until: now + MARK_MS, messageId: sent.messageId, popReceipt: sent.popReceipt, eTag: '*' } as Mark });
    return true;
  }

  /**
   * Deletes these deliveries' messages (forget me), found through their marks, which hold each message's id and latest
   * pop receipt: those waiting, and those in the poison queue. A waiting message a worker holds right now has a newer
   * receipt: it is not deleted here, and its handler finds the user's record gone and sends nothing. A poisoned one an
   * operator's listing holds right now (for up to 30 seconds) cannot be deleted, and is not forgotten: PoisonBusyError,
   * so that the erasure stops before the user's record and runs again whole.
   */
  async cancel(ids: readonly string[]): Promise<number> {
    await this.open();
    const { storage, main, poison } = this.deps;
    const markKeys = ids.map((id) => storeKeys.queued(id));
    const poisonKeys = ids.map((id) => storeKeys.poisoned(id));
    const marks = await storage.read([...markKeys, ...poisonKeys]);
    let cancelled = 0;
    for (const key of markKeys) {
      const mark = marks[key] as Mark | undefined;
      if (!mark) continue;
      // 'held': a worker has the message now (a newer receipt); its handler finds the record gone and sends nothing.
      if ((await deleteByMark(main, mark)) === 'deleted') cancelled++;
      await storage.delete([key]);
    }
    for (const key of poisonKeys) {
      const mark = marks[key] as PoisonMark | undefined;
      if (!mark) continue;
      if ((await deleteByMark(poison, mark)) === 'held') {
        throw new PoisonBusyError('a poisoned delivery of this user is being listed; try again in a minute');
      }
      await storage.delete([key]);
    }
    return cancelled;
  }

  nextDue(): number | undefined {
    return undefined; // only the queue knows: poll
  }

  async receive(max: number, leaseMs: number): Promise<Lease[]> {
    const response = await this.deps.main.receiveMessages({
      numberOfMessages: Math.min(32, Math.max(1, max)),
      visibilityTimeout: Math.max(1, Math.ceil(leaseMs / 1000)),
    });
    const leases: Lease[] = [];
    for (const message of response.receivedMessageItems) {
      const body = decode(message.messageText);
      if (!body) {
        // Not ours or damaged: kept as it came for the operator, out of the worker's way.
        await this.deps.poison.sendMessage(message.messageText, { messageTimeToLive: -1 });
        await this.deps.main.deleteMessage(message.messageId, message.popReceipt);
        this.deps.log.error({ event: 'delivery.poisoned', reason: 'unreadable' }, 'unreadable message moved to the poison queue');
        continue;
      }
      leases.push({ id: body.id, job: body.job, dequeueCount: message.dequeueCount, receipt: `${message.messageId}\n${message.popReceipt}` });
    }
    return leases;
  }

  async complete(lease: Lease): Promise<void> {
    await this.deleteMessage(lease);
    await this.deps.storage.delete([storeKeys.queued(lease.id)]);
  }

  async release(lease: Lease, job: StoredJob, visibleAt: number): Promise<void> {
    const [messageId, popReceipt] = lease.receipt.split('\n') as [string, string];
    const { lease: _lease, ...rest } = job;
    try {
      const updated = await this.deps.main.updateMessage(
        messageId,
        popReceipt,
        encode({ id: lease.id, job: rest }),
        hideSeconds(visibleAt - this.deps.clock.now()),
      );
      // The mark keeps the latest receipt, so forget me can still delete the message while it waits.
      const mark = storeKeys.queued(lease.id);
      const existing = (await this.deps.storage.read([mark]))[mark] as Mark | undefined;
      if (existing && updated.popReceipt !== undefined) {
        await this.deps.storage.write({ [mark]: { until: existing.until, messageId, popReceipt: updated.popReceipt, eTag: '*' } as Mark });
      }
    } catch (error) {
      if (!notFound(error)) throw error; // 404: the lease ran out and another worker has it
    }
  }

  async poison(lease: Lease, reason: string): Promise<void> {
    const sent = await this.deps.poison.sendMessage(encode({ id: lease.id, job: lease.job, reason, at: this.deps.clock.now() }), { messageTimeToLive: -1 });
    await this.deps.storage.write({ [storeKeys.poisoned(lease.id)]: { messageId: sent.messageId, popReceipt: sent.popReceipt, eTag: '*' } });
    await this.complete(lease);
  }

  abandon(): void {
    // The message shows again when its visibility timeout runs out.
  }

  /**
   * The queue's properties: one call, no side effect. A queue not created yet (the worker creates it as it starts)
   * answers 404 after authorising the call, which proves the service is reachable with our credentials.
   */
  async ping(): Promise<void> {
    try {
      await this.deps.main.getProperties();
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }

  async count(): Promise<number> {
    await this.open();
    return (await this.deps.main.getProperties()).approximateMessagesCount ?? 0;
  }

  async poisoned(): Promise<PoisonedJob[]> {
    await this.open();
    const found: PoisonedJob[] = [];
    await this.pagePoison((body) => {
      found.push(describePoison(body.id, body.job, body.reason, body.at));
      return Promise.resolve(false);
    });
    return found;
  }

  async replay(ids?: readonly string[]): Promise<number> {
    await this.open();
    let n = 0;
    await this.pagePoison(async (body) => {
      if (ids && !ids.includes(body.id)) return false;
      await this.deps.storage.delete([storeKeys.queued(body.id)]);
      await this.add(body.id, freshJob(body.job, this.deps.clock.now()));
      await this.deps.storage.delete([storeKeys.poisoned(body.id)]);
      n++;
      return true;
    });
    return n;
  }

  /**
   * Pages through the poison queue, each message hidden while the listing lasts so it is seen once, then shown again;
   * `visit` resolves true to delete it instead. Each message shown again has a new pop receipt, which its mark then
   * holds (a message without a mark gets one).
   */
  private async pagePoison(visit: (body: Body) => Promise<boolean>): Promise<void> {
    const seen = new Set<string>();
    const kept: { messageId: string; popReceipt: string; id: string | undefined }[] = [];
    try {
      for (;;) {
        const page = await this.deps.poison.receiveMessages({ numberOfMessages: 32, visibilityTimeout: LISTING_HIDE_S });
        const fresh = page.receivedMessageItems.filter((m) => !seen.has(m.messageId));
        if (fresh.length === 0) return;
        for (const message of fresh) {
          seen.add(message.messageId);
          const body = decode(message.messageText);
          let remove = false;
          try {
            remove = body !== undefined && (await visit(body));
          } catch (error) {
            this.deps.log.warn({ event: 'delivery.replayFailed', err: errorSummary(error) }, 'could not replay a poisoned delivery');
          }
          if (remove) await this.deps.poison.deleteMessage(message.messageId, message.popReceipt);
          else kept.push({ messageId: message.messageId, popReceipt: message.popReceipt, id: body?.id });
        }
      }
    } finally {
      for (const message of kept) {
        await this.deps.poison
          .updateMessage(message.messageId, message.popReceipt, undefined, 0)
          .then(async (shown) => {
            if (message.id !== undefined && shown.popReceipt !== undefined) {
              await this.deps.storage.write({ [storeKeys.poisoned(message.id)]: { messageId: message.messageId, popReceipt: shown.popReceipt, eTag: '*' } });
            }
          })
          .catch(() => undefined);
      }
    }
  }

  private async deleteMessage(lease: Lease): Promise<void> {
    const [messageId, popReceipt] = lease.receipt.split('\n') as [string, string];
    try {
      await this.deps.main.deleteMessage(messageId, popReceipt);
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }
}
