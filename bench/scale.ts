/**
 * Bench section "scale" (issue 13): store operations of a reminder run, a retention sweep and an idle delivery poll,
 * at two population sizes with the same number due. Operations are counted, not timed, by a wrapper around the memory
 * store (seeding 100,000 users into it takes seconds). No test-framework imports: test/bench/scale.test.ts uses it too.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { QueueClient } from '@azure/storage-queue';
import type { StoreItems } from '../src/state/storage';
import type { TeamsGateway } from '../src/admin/welcomeDelivery';
import { JourneyFlow } from '../src/journey/journeyFlow';
import { CardRenderer } from '../src/cards/render';
import { JourneyCards } from '../src/cards/views';
import { loadContent } from '../src/content/load';
import { AzureQueueTransport } from '../src/delivery/azureQueue';
import type { DeliveryClock } from '../src/delivery/clock';
import { DEFAULT_QUEUE_SETTINGS, StoreQueue, type QueueTransport, type StoredJob } from '../src/delivery/queue';
import { DeliveryQueue } from '../src/delivery/queue';
import { retentionRule, sweepRetention } from '../src/jobs/retention';
import { startProgress } from '../src/journey/progress';
import { createLogger } from '../src/log';
import { ReminderCards } from '../src/reminders/reminderCard';
import { reminderRule, REMINDER_KIND, Reminders, type ReminderSettings } from '../src/reminders/reminders';
import { dayOf, type DueRule } from '../src/state/dueIndex';
import { keys } from '../src/state/keys';
import { AtomicMemoryStorage } from '../src/state/memoryStorage';
import type { AtomicStorage } from '../src/state/storage';
import { UserStore, type UserRecord } from '../src/state/users';

const ROOT = join(__dirname, '..');
const DAY = 24 * 3600_000;
const TENANT = 'tenant-scale';
/** A blob listing returns at most 5,000 names per page: a listing costs one request per page. */
const LIST_PAGE = 5000;

/** Store operations, by kind. A list counts one per page of 5,000 keys (what a blob listing costs). */
export interface OpCounts {
  reads: number;
  writes: number;
  deletes: number;
  lists: number;
  queue: number;
}

function zero(): OpCounts {
  return { reads: 0, writes: 0, deletes: 0, lists: 0, queue: 0 };
}

export function total(c: OpCounts): number {
  return c.reads + c.writes + c.deletes + c.lists + c.queue;
}

/** Counts what goes through it; one call per key read (a blob store reads each item with its own request). */
export class CountingStorage implements AtomicStorage {
  counts = zero();
  constructor(readonly inner: AtomicStorage) {}
  reset(): void {
    this.counts = zero();
  }
  read(keys: string[]): Promise<StoreItems> {
    this.counts.reads += keys.length;
    return this.inner.read(keys);
  }
  write(changes: StoreItems): Promise<void> {
    this.counts.writes += Object.keys(changes).length;
    return this.inner.write(changes);
  }
  delete(keys: string[]): Promise<void> {
    this.counts.deletes += keys.length;
    return this.inner.delete(keys);
  }
  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    this.counts.writes++;
    return this.inner.createIfAbsent(key, item);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  async *list(prefix: string): AsyncIterable<string> {
    this.counts.lists++;
    let n = 0;
    for await (const key of this.inner.list(prefix)) {
      if (++n % LIST_PAGE === 0) this.counts.lists++;
      yield key;
    }
  }
}

/**
 * Just enough of Azure Queue Storage's client, in memory, counting every call: the Azure transport's own calls are
 * what is measured (one Get Messages per idle poll), without seeding 100,000 messages into Azurite.
 */
function memoryQueueClient(clock: DeliveryClock, counts: OpCounts): QueueClient {
  const messages = new Map<string, { text: string; visibleAt: number; dequeueCount: number; pop: string }>();
  let next = 0;
  const fake = {
    createIfNotExists: async () => {
      counts.queue++;
      return {};
    },
    sendMessage: async (text: string, options?: { visibilityTimeout?: number }) => {
      counts.queue++;
      messages.set(String(++next), { text, visibleAt: clock.now() + (options?.visibilityTimeout ?? 0) * 1000, dequeueCount: 0, pop: '' });
      return {};
    },
    receiveMessages: async (options?: { numberOfMessages?: number; visibilityTimeout?: number }) => {
      counts.queue++;
      const now = clock.now();
      const out = [];
      for (const [messageId, m] of messages) {
        if (out.length >= (options?.numberOfMessages ?? 1)) break;
        if (m.visibleAt > now) continue;
        m.dequeueCount++;
        m.visibleAt = now + (options?.visibilityTimeout ?? 30) * 1000;
        m.pop = String(++next);
        out.push({ messageId, popReceipt: m.pop, messageText: m.text, dequeueCount: m.dequeueCount });
      }
      return { receivedMessageItems: out };
    },
    deleteMessage: async (messageId: string) => {
      counts.queue++;
      messages.delete(messageId);
      return {};
    },
    updateMessage: async (messageId: string, _pop: string, text: string | undefined, visibilityTimeout: number) => {
      counts.queue++;
      const m = messages.get(messageId);
      if (m) Object.assign(m, { visibleAt: clock.now() + visibilityTimeout * 1000, ...(text !== undefined ? { text } : {}) });
      return {};
    },
    getProperties: async () => {
      counts.queue++;
      return { approximateMessagesCount: messages.size };
    },
  };
  return fake as unknown as QueueClient;
}

export interface ScaleFigures {
  readonly users: number;
  readonly due: number;
  readonly reminders: OpCounts;
  readonly retention: OpCounts;
  /** One idle poll of the Azure queue (STORAGE=blob) with a backlog of users / 10 deliveries not yet due. */
  readonly queueIdle: OpCounts;
  /** The same for the store's own queue (file store). */
  readonly storeQueueIdle: OpCounts;
  readonly seedMs: number;
  /** Wall time of the reminder run and of the retention sweep (meaningful on Azurite; the memory store is counted only). */
  readonly reminderMs: number;
  readonly retentionMs: number;
}

export interface ScaleOptions {
  /** The store to seed and run on (default: a new memory store). */
  readonly store?: AtomicStorage;
  /** Users seeded at once (a remote store wants many requests in flight). Default 1. */
  readonly seedConcurrency?: number;
  /** Called as each timed phase starts and ends (the Azurite section samples the emulator's CPU and stalls there). */
  readonly onPhase?: (phase: ScalePhase, at: 'start' | 'end') => void;
}

export type ScalePhase = 'seed' | 'reminders' | 'retention';

const silent = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

/**
 * `users` starters, all welcomed with open must-dos and seen recently, of whom `due` started 3 days ago (due their
 * first reminder) and `due` others were last seen over a year ago (due erasure); the indexes are as the bot keeps them.
 */
export async function measureScale(users: number, due: number, options: ScaleOptions = {}): Promise<ScaleFigures> {
  const content = loadContent(join(ROOT, 'cards'));
  const now = Date.UTC(2026, 2, 25, 10); // a Wednesday, in working hours
  let t = now;
  const clock: DeliveryClock = { now: () => t, sleep: async (ms) => void (t += Math.max(0, ms)) };
  const nowDate = () => new Date(t);
  const settings: ReminderSettings = {
    afterDays: [3, 7],
    max: 2,
    workingHours: { timeZone: 'Europe/London', startMinute: 9 * 60, endMinute: 17 * 60, weekdays: [1, 2, 3, 4, 5] },
  };
  const retention = { afterCompletionDays: 90, inactiveDays: 365 };
  const memory = options.store ?? new AtomicMemoryStorage();
  const storage = new CountingStorage(memory);
  const userStore = new UserStore(storage, 5);
  const rules: DueRule[] = [reminderRule(settings, content.journey, () => t), retentionRule(retention, () => t)];

  for (const rule of rules) userStore.index.track(rule);
  options.onPhase?.('seed', 'start');
  const seedStarted = performance.now();
  const seedOne = async (i: number): Promise<void> => {
    const aad = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const conversationId = `a:scale-${i}`;
    const startedAt = i < due ? now - 3 * DAY - 3600_000 : now - DAY;
    const seenAt = i >= due && i < 2 * due ? now - 400 * DAY : startedAt;
    const progress = { ...startProgress(content.journey, { kind: 'self' }, new Date(startedAt)), lastActiveAt: new Date(seenAt).toISOString() };
    const record: UserRecord = {
      userId: `29:scale-${i}`,
      aadObjectId: aad,
      tenantId: TENANT,
      conversationId,
      reference: { conversation: { id: conversationId } as never, serviceUrl: 'https://smba.trafficmanager.net/uk/' },
      installed: true,
      welcome: { claimedAt: new Date(startedAt).toISOString(), sentAt: new Date(startedAt).toISOString() },
      firstSeenAt: new Date(startedAt).toISOString(),
      lastSeenAt: new Date(seenAt).toISOString(),
    };
    const recordKey = keys.user(TENANT, aad);
    await memory.createIfAbsent(recordKey, { ...record });
    await memory.createIfAbsent(keys.progress('msteams', conversationId, aad), { journeyProgress: progress });
    // The entries the bot's writes would have kept up (src/state/dueIndex.ts).
    for (const key of userStore.index.entries(recordKey, record, progress)) await memory.createIfAbsent(key, { at: 0 });
  };
  const concurrency = Math.max(1, options.seedConcurrency ?? 1);
  for (let i = 0; i < users; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, users - i) }, (_, j) => seedOne(i + j)));
  }
  for (const rule of rules) await memory.write({ [keys.dueState(rule.name)]: { fingerprint: rule.fingerprint, from: dayOf(now - DAY) } });
  const seedMs = performance.now() - seedStarted;
  options.onPhase?.('seed', 'end');

  const renderer = new CardRenderer(content.templates);
  const flow = new JourneyFlow(content, new JourneyCards(content, renderer), userStore, { answer: () => undefined, answerIntent: () => undefined }, nowDate);
  const teams: TeamsGateway = { createPersonalConversation: () => Promise.reject(new Error('not used')), sendCard: async () => undefined };
  const queue = new DeliveryQueue({ storage, clock, log: silent, settings: DEFAULT_QUEUE_SETTINGS, handlers: {} });
  const reminders = new Reminders({
    users: userStore,
    flow,
    content,
    cards: new ReminderCards(content, renderer),
    teams,
    queue,
    settings,
    now: nowDate,
    log: silent,
  });

  storage.reset();
  options.onPhase?.('reminders', 'start');
  const reminderStarted = performance.now();
  const reminderReport = await reminders.run();
  const reminderMs = performance.now() - reminderStarted;
  options.onPhase?.('reminders', 'end');
  if (reminderReport.queued !== due) throw new Error(`scale bench: expected ${due} reminders queued, got ${reminderReport.queued}`);
  const reminderOps = storage.counts;

  storage.reset();
  options.onPhase?.('retention', 'start');
  const retentionStarted = performance.now();
  const retentionReport = await sweepRetention({ users: userStore, flow, settings: retention, now: nowDate, log: silent });
  const retentionMs = performance.now() - retentionStarted;
  options.onPhase?.('retention', 'end');
  if (retentionReport.erasedInactive !== due) throw new Error(`scale bench: expected ${due} erased, got ${retentionReport.erasedInactive}`);
  const retentionOps = storage.counts;

  // Idle polls: a backlog of users / 10 deliveries waiting (say, for working hours), none due now.
  const backlog: StoredJob[] = Array.from({ length: Math.floor(users / 10) }, (_, i) => ({
    kind: REMINDER_KIND,
    payload: { i },
    createdAt: now,
    notBefore: now + DAY,
    attempts: 0,
    throttles: 0,
  }));
  // Each queue on a store of its own (the reminders above are queued in the first one's).
  const idle = async (transport: QueueTransport, store: CountingStorage, queueCalls: OpCounts): Promise<OpCounts> => {
    await transport.open();
    for (let i = 0; i < backlog.length; i += 500) await Promise.all(backlog.slice(i, i + 500).map((job, j) => transport.add(`backlog/${i + j}`, job)));
    store.reset();
    Object.assign(queueCalls, zero());
    const leases = await transport.receive(DEFAULT_QUEUE_SETTINGS.concurrency, DEFAULT_QUEUE_SETTINGS.leaseMs);
    if (leases.length > 0) throw new Error('scale bench: an idle poll found work');
    return { ...store.counts, queue: queueCalls.queue };
  };
  const queueCalls = zero();
  const azureStore = new CountingStorage(new AtomicMemoryStorage());
  const azure = new AzureQueueTransport({
    main: memoryQueueClient(clock, queueCalls),
    poison: memoryQueueClient(clock, queueCalls),
    storage: azureStore,
    clock,
    log: silent,
  });
  const queueIdle = await idle(azure, azureStore, queueCalls);
  const fileStore = new CountingStorage(new AtomicMemoryStorage());
  const storeQueueIdle = await idle(new StoreQueue(fileStore, clock, 'bench'), fileStore, zero());
  return { users, due, reminders: reminderOps, retention: retentionOps, queueIdle, storeQueueIdle, seedMs, reminderMs, retentionMs };
}

/** `scale-ops: reminders 10k=A 100k=B; retention 10k=C 100k=D; queue-idle 10k=E 100k=F` */
export function scaleLine(small: ScaleFigures, large: ScaleFigures): string {
  const k = (n: number) => `${Math.round(n / 1000)}k`;
  const pair = (name: string, pick: (f: ScaleFigures) => OpCounts) => `${name} ${k(small.users)}=${total(pick(small))} ${k(large.users)}=${total(pick(large))}`;
  return `scale-ops: ${pair('reminders', (f) => f.reminders)}; ${pair('retention', (f) => f.retention)}; ${pair('queue-idle', (f) => f.queueIdle)}`;
}

/** `scale-azurite: reminders 10k=A ms 100k=B ms; retention 10k=C ms 100k=D ms` (wall time on Azurite, with the operation counts). */
export function scaleAzuriteLine(small: ScaleFigures, large: ScaleFigures): string {
  const k = (n: number) => `${Math.round(n / 1000)}k`;
  const ms = (n: number) => `${Math.round(n)} ms`;
  const pair = (name: string, time: (f: ScaleFigures) => number, ops: (f: ScaleFigures) => OpCounts) =>
    `${name} ${k(small.users)}=${ms(time(small))} (${total(ops(small))} ops) ${k(large.users)}=${ms(time(large))} (${total(ops(large))} ops)`;
  return `scale-azurite: ${pair(
    'reminders',
    (f) => f.reminderMs,
    (f) => f.reminders,
  )}; ${pair(
    'retention',
    (f) => f.retentionMs,
    (f) => f.retention,
  )}`;
}
