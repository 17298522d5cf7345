/**
 * One contract for both delivery queues: the store's own (file store, one process) and Azure Queue Storage
 * (STORAGE=blob, on Azurite). Real time throughout, because Azure's visibility timeout (the lease) is in real
 * seconds; nothing here asserts how long anything took.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AzureQueueTransport, azureQueueClients, PoisonBusyError } from '../../src/delivery/azureQueue';
import { systemDeliveryClock } from '../../src/delivery/clock';
import {
  DEFAULT_QUEUE_SETTINGS,
  DeliveryQueue,
  JOB_PREFIX,
  StoreQueue,
  type JobHandler,
  type QueueSettings,
  type QueueTransport,
  type StoredJob,
} from '../../src/delivery/queue';
import { DEFAULT_RETRY } from '../../src/delivery/retry';
import { createLogger } from '../../src/log';
import { BlobStateStorage } from '../../src/state/blobStorage';
import { FileStorage } from '../../src/state/fileStorage';
import type { AtomicStorage } from '../../src/state/storage';
import { channelErrorOf } from '../../src/teams/channelErrors';
import { startAzurite, startAzuriteProxy, type Azurite } from '../helpers/azurite';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const settings: QueueSettings = {
  ...DEFAULT_QUEUE_SETTINGS,
  concurrency: 4,
  leaseMs: 1000,
  pollMs: 100,
  poisonAfter: 2,
  retry: { ...DEFAULT_RETRY, baseDelayMs: 50 },
};

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

interface Rig {
  readonly storage: AtomicStorage;
  /** A transport of this engine over the rig's store and queue (each call: another instance's own connection). */
  transport(connectionString?: string): QueueTransport | undefined;
  /** A transport for a "worker" driven by hand (one that takes deliveries and dies). */
  worker(): QueueTransport;
}

interface Engine {
  readonly name: string;
  /** Whether every instance works on every delivery (Azure), or each on those it queued or found at start (the store's). */
  readonly shared: boolean;
  make(): Rig;
}

const engines: Engine[] = [
  {
    name: 'the store queue (file store)',
    shared: false,
    make: () => {
      const storage = new FileStorage(mkdtempSync(join(tmpdir(), 'queue-conf-')));
      return { storage, transport: () => undefined, worker: () => new StoreQueue(storage, systemDeliveryClock, 'dying-worker') };
    },
  },
  {
    name: 'Azure Queue Storage (Azurite)',
    shared: true,
    make: () => {
      const container = azurite.newContainer();
      const storage = new BlobStateStorage(azurite.connectionString, container);
      const transport = (connectionString = azurite.connectionString) =>
        new AzureQueueTransport({ ...azureQueueClients(connectionString, container, undefined), storage, clock: systemDeliveryClock, log: quiet });
      return { storage, transport, worker: () => transport() };
    },
  },
];

function recorder(fail: (id: string, call: number) => unknown = () => undefined) {
  const delivered: string[] = [];
  const gaveUp: string[] = [];
  const calls = new Map<string, number>();
  const handler: JobHandler = {
    async deliver(payload) {
      const id = String(payload.id);
      const call = (calls.get(id) ?? 0) + 1;
      calls.set(id, call);
      const error = fail(id, call);
      if (error !== undefined) throw error;
      delivered.push(id);
    },
    async giveUp(payload) {
      gaveUp.push(String(payload.id));
    },
  };
  return { handler, delivered, gaveUp, calls };
}

function queueOn(rig: Rig, handler: JobHandler, transport = rig.transport()): DeliveryQueue {
  return new DeliveryQueue({
    storage: rig.storage,
    clock: systemDeliveryClock,
    log: quiet,
    settings,
    handlers: { test: handler },
    ...(transport ? { transport } : {}),
  });
}

function jobs(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({ id: `j${from + i}`, kind: 'test', payload: { id: `j${from + i}` } }));
}

async function run(queue: DeliveryQueue): Promise<void> {
  queue.start();
  await queue.drain();
  await queue.stop();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(engines)('delivery queue conformance: $name', (engine) => {
  it('delivers each queued job once, and queueing the same id twice queues it once', async () => {
    const rig = engine.make();
    const r = recorder();
    const queue = queueOn(rig, r.handler);
    expect(await queue.enqueue(jobs(10))).toBe(10);
    expect(await queue.enqueue(jobs(3))).toBe(0);
    await run(queue);
    expect(r.delivered.sort()).toEqual(
      jobs(10)
        .map((j) => j.id)
        .sort(),
    );
    expect(await queue.count()).toBe(0);
  }, 30_000);

  it('retries a failed attempt after its backoff, and gives up on a permanent failure with the reason', async () => {
    const rig = engine.make();
    const r = recorder((id, call) =>
      id === 'j0' && call === 1
        ? channelErrorOf(Object.assign(new Error('teams'), { statusCode: 503 }))
        : id === 'j1'
          ? channelErrorOf(Object.assign(new Error('teams'), { statusCode: 400 }))
          : undefined,
    );
    const queue = queueOn(rig, r.handler);
    await queue.enqueue(jobs(2));
    await run(queue);
    expect(r.calls.get('j0')).toBe(2);
    expect(r.delivered).toEqual(['j0']);
    expect(r.gaveUp).toEqual(['j1']);
    expect(await queue.poisoned()).toEqual([]); // a handled failure is not poison
  }, 30_000);

  it('withdraws waiting deliveries by id with what they carry (forget me), also one put back for a later attempt', async () => {
    const rig = engine.make();
    const r = recorder();
    const queue = queueOn(rig, r.handler);
    const later = Date.now() + 60_000;
    await queue.enqueue([{ ...jobs(1)[0]!, notBefore: later }, ...jobs(2, 1)]); // j0 waits; j1 and j2 are due
    const worker = rig.worker();
    await worker.open();
    const [taken] = await worker.receive(1, 5000);
    // Put back for a later attempt (on Azure the message then has a new pop receipt).
    await worker.release(taken!, { ...taken!.job, notBefore: later }, later);
    const other = taken!.id === 'j1' ? 'j2' : 'j1';
    expect(await queue.cancel(['j0', taken!.id, 'never-queued'])).toBe(2);
    await run(queue); // drain() would wait for j0 and the released one if they were still queued
    expect(r.delivered).toEqual([other]);
    expect(await queue.count()).toBe(0);
    const left: string[] = [];
    for await (const key of rig.storage.list('deliveries/')) left.push(key);
    expect(left.filter((k) => k.endsWith('/j0') || k.endsWith(`/${taken!.id}`))).toEqual([]);
  }, 30_000);

  it('hands a delivery to another worker once the lease of a worker that died with it runs out', async () => {
    const rig = engine.make();
    const r = recorder();
    const queue = queueOn(rig, r.handler);
    await queue.enqueue(jobs(1));
    const dying = rig.worker();
    await dying.open();
    const taken = await dying.receive(1, 1000); // taken with a one-second lease, then the worker is gone
    expect(taken.map((l) => l.id)).toEqual(['j0']);
    await run(queue);
    expect(r.delivered).toEqual(['j0']);
  }, 30_000);

  it('moves a delivery that kills every worker taking it to the poison queue; the operator lists and replays it', async () => {
    const rig = engine.make();
    const r = recorder();
    const queue = queueOn(rig, r.handler);
    await queue.enqueue(jobs(2));
    // j0 is taken and never finished, poisonAfter (2) times: each time the worker died with it.
    for (let i = 0; i < 2; i++) {
      const dying = rig.worker();
      await dying.open();
      for (;;) {
        const taken = await dying.receive(2, 1000);
        const j0 = taken.find((l) => l.id === 'j0');
        for (const other of taken.filter((l) => l.id !== 'j0')) await dying.release(other, { ...other.job, handled: other.dequeueCount }, Date.now()); // finished normally
        if (j0) break;
        await sleep(200);
      }
      await sleep(1100);
    }
    await run(queue);
    expect(r.delivered).toEqual(['j1']);
    const poisoned = await queue.poisoned();
    expect(poisoned).toEqual([expect.objectContaining({ id: 'j0', kind: 'test', reason: expect.stringContaining('without the attempt finishing') })]);

    // Unknown kinds go there too, rather than being dropped.
    await queue.enqueue([{ id: 'odd', kind: 'not-a-kind', payload: {} }]);
    await run(queue);
    expect((await queue.poisoned()).map((p) => p.id).sort()).toEqual(['j0', 'odd']);

    expect(await queue.replay(['j0'])).toBe(1);
    await run(queue);
    expect(r.delivered).toEqual(['j1', 'j0']);
    expect((await queue.poisoned()).map((p) => p.id)).toEqual(['odd']);

    // Forget me withdraws a poisoned delivery too: what it carries about the user does not wait for an operator.
    await queue.cancel(['odd']);
    expect(await queue.poisoned()).toEqual([]);
  }, 60_000);

  it('lets two instances work on one queue without running any delivery twice', async () => {
    const rig = engine.make();
    const r = recorder();
    const by = new Map<string, number>();
    const counting = (name: string): JobHandler => ({
      deliver: async (payload) => {
        await sleep(5);
        await r.handler.deliver(payload);
        by.set(name, (by.get(name) ?? 0) + 1);
      },
      giveUp: r.handler.giveUp,
    });
    const a = queueOn(rig, counting('a'));
    const b = queueOn(rig, counting('b'), rig.transport());
    a.start();
    b.start();
    await a.enqueue(jobs(30));
    if (!engine.shared) await b.enqueue(jobs(10, 30));
    await Promise.all([a.drain(), b.drain()]);
    await Promise.all([a.stop(), b.stop()]);
    const total = engine.shared ? 30 : 40;
    expect(r.delivered).toHaveLength(total);
    expect(new Set(r.delivered).size).toBe(total);
    expect(by.get('a')).toBeGreaterThan(0);
    expect(by.get('b')).toBeGreaterThan(0); // with Azure, b takes part in what a queued
  }, 30_000);

  it('moves deliveries queued under the earlier design (items under deliveries/jobs/) over at first start', async () => {
    const rig = engine.make();
    const now = Date.now();
    for (const job of jobs(5)) {
      const item: StoredJob = {
        kind: job.kind,
        payload: job.payload,
        createdAt: now,
        notBefore: now,
        attempts: 1,
        throttles: 0,
        lease: { owner: 'old', token: 't', until: now - 1 },
      };
      await rig.storage.createIfAbsent(JOB_PREFIX + job.id, { ...item });
    }
    const r = recorder();
    await run(queueOn(rig, r.handler));
    expect(r.delivered.sort()).toEqual(jobs(5).map((j) => j.id));
    const left: string[] = [];
    for await (const key of rig.storage.list(JOB_PREFIX)) left.push(key);
    expect(left).toEqual([]);
  }, 30_000);
});

/** A container on Azurite whose queue requests go through a proxy that counts them (`requests` is reset by the test). */
async function countedQueue(): Promise<{
  container: string;
  storage: BlobStateStorage;
  viaProxy: string;
  counter: { requests: number };
  close(): Promise<void>;
}> {
  const container = azurite.newContainer();
  const storage = new BlobStateStorage(azurite.connectionString, container);
  const counter = { requests: 0 };
  const proxy = await startAzuriteProxy({ ...azurite, port: azurite.queuePort }, () => {
    counter.requests++;
    return 'forward';
  });
  const viaProxy = azurite.connectionString.replace(`127.0.0.1:${azurite.queuePort}`, `127.0.0.1:${proxy.port}`);
  return { container, storage, viaProxy, counter, close: () => proxy.close() };
}

describe('an idle poll', () => {
  it('costs the same few queue requests with a backlog of 5 or of 60 deliveries not yet due (Azure Queue Storage)', async () => {
    const { container, storage, viaProxy, counter, close } = await countedQueue();
    try {
      const perPoll = async (backlog: number): Promise<number> => {
        const transport = new AzureQueueTransport({ ...azureQueueClients(viaProxy, container, undefined), storage, clock: systemDeliveryClock, log: quiet });
        const queue = new DeliveryQueue({ storage, clock: systemDeliveryClock, log: quiet, settings, handlers: { test: recorder().handler }, transport });
        await queue.enqueue(jobs(backlog, 1000 * backlog).map((j) => ({ ...j, notBefore: Date.now() + 3600_000 })));
        await transport.open();
        counter.requests = 0;
        await transport.receive(settings.concurrency, settings.leaseMs);
        return counter.requests;
      };
      const small = await perPoll(5);
      const large = await perPoll(60);
      expect(small).toBe(1);
      expect(large).toBe(small);
    } finally {
      await close();
    }
  }, 60_000);
});

describe('forget me and the poison queue (Azure Queue Storage)', () => {
  it('deletes a poisoned delivery by its mark in one request, however many are poisoned; refuses rather than misses one a listing holds', async () => {
    const { container, storage, viaProxy, counter, close } = await countedQueue();
    const clients = azureQueueClients(viaProxy, container, undefined);
    const transport = new AzureQueueTransport({ ...clients, storage, clock: systemDeliveryClock, log: quiet });
    try {
      // 40 deliveries poisoned, more than one page of the poison queue.
      const queue = new DeliveryQueue({ storage, clock: systemDeliveryClock, log: quiet, settings, handlers: { test: recorder().handler }, transport });
      await queue.enqueue(jobs(40));
      for (let taken = 0; taken < 40;) {
        const leases = await transport.receive(32, 60_000);
        for (const lease of leases) await transport.poison(lease, 'test');
        taken += leases.length;
      }
      // One poisoned by a release without marks: it gets its mark when a transport opens.
      const legacyJob: StoredJob = { kind: 'test', payload: { id: 'legacy' }, createdAt: 0, notBefore: 0, attempts: 0, throttles: 0 };
      await clients.poison.sendMessage(Buffer.from(JSON.stringify({ id: 'legacy', job: legacyJob, reason: 'old', at: 0 })).toString('base64'));
      await new AzureQueueTransport({ ...clients, storage, clock: systemDeliveryClock, log: quiet }).open();
      await queue.cancel(['legacy']); // before any listing
      expect((await queue.poisoned()).map((p) => p.id).sort()).toEqual(
        jobs(40)
          .map((j) => j.id)
          .sort(),
      );

      counter.requests = 0;
      await queue.cancel(['j7']);
      expect(counter.requests).toBe(1); // Delete Message: no scan of the 40
      expect((await queue.poisoned()).map((p) => p.id)).not.toContain('j7');

      // An operator's listing in another process holds the messages (new receipts) for up to 30 seconds: forget me
      // says it could not, and the erasure can run again, rather than leave the delivery behind as if done.
      const held = await clients.poison.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
      const heldIds = held.receivedMessageItems.map((m) => (JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { id: string }).id);
      const busy = heldIds[0] as string;
      await expect(queue.cancel([busy])).rejects.toBeInstanceOf(PoisonBusyError);
      for (const m of held.receivedMessageItems) await clients.poison.updateMessage(m.messageId, m.popReceipt, undefined, 0);
      await queue.poisoned(); // a listing leaves every mark with the receipt it last gave
      await queue.cancel([busy]);
      expect((await queue.poisoned()).map((p) => p.id)).not.toContain(busy);
      expect((await queue.poisoned()).length).toBe(38);
    } finally {
      await close();
    }
  }, 120_000);
});
