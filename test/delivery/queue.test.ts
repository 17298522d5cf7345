import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log';
import { DEFAULT_QUEUE_SETTINGS, DeliveryQueue, JOB_PREFIX, type JobHandler, type QueueSettings, type StoredJob } from '../../src/delivery/queue';
import { DEFAULT_RETRY } from '../../src/delivery/retry';
import { FileStorage } from '../../src/state/fileStorage';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { channelErrorOf } from '../../src/teams/channelErrors';
import type { AtomicStorage } from '../../src/state/storage';
import { virtualClock, type VirtualClock } from '../helpers/virtualClock';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const settings: QueueSettings = { ...DEFAULT_QUEUE_SETTINGS, concurrency: 4, leaseMs: 30_000, pollMs: 1000, retry: { ...DEFAULT_RETRY, baseDelayMs: 100 } };

/** A handler that records deliveries; `fail(id)` decides per call whether (and how) to fail. */
function recorder(fail: (id: string, call: number) => unknown = () => undefined) {
  const delivered: string[] = [];
  const gaveUp: { id: string; reason: string }[] = [];
  const calls = new Map<string, number>();
  const handler: JobHandler = {
    async deliver(payload) {
      const id = String(payload.id);
      const call = (calls.get(id) ?? 0) + 1;
      calls.set(id, call);
      await new Promise((r) => setImmediate(r));
      const error = fail(id, call);
      if (error !== undefined) throw error;
      delivered.push(id);
    },
    async giveUp(payload, reason) {
      gaveUp.push({ id: String(payload.id), reason });
    },
  };
  return { handler, delivered, gaveUp, calls };
}

function queueOn(storage: AtomicStorage, handler: JobHandler, clock: VirtualClock, overrides: Partial<QueueSettings> = {}): DeliveryQueue {
  return new DeliveryQueue({ storage, clock, log: quiet, settings: { ...settings, ...overrides }, handlers: { test: handler }, random: () => 0.5 });
}

function jobs(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => ({ id: `j${from + i}`, kind: 'test', payload: { id: `j${from + i}` } }));
}

/** A connector error as botbuilder throws it (status, Retry-After, Teams' body), read by the Teams edge. */
function httpError(statusCode: number, retryAfter?: string, body?: unknown): unknown {
  return channelErrorOf(
    Object.assign(new Error('teams'), { statusCode, body, response: { headers: { get: (h: string) => (h === 'retry-after' ? retryAfter : undefined) } } }),
  );
}

const stores: [string, () => AtomicStorage][] = [
  ['AtomicMemoryStorage', () => new AtomicMemoryStorage()],
  ['FileStorage', () => new FileStorage(mkdtempSync(join(tmpdir(), 'queue-')))],
];

describe.each(stores)('DeliveryQueue on %s', (_name, makeStorage) => {
  it('delivers each queued job once, and queueing the same id twice queues it once', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const r = recorder();
    const queue = queueOn(storage, r.handler, clock);
    expect(await queue.enqueue(jobs(20))).toBe(20);
    expect(await queue.enqueue(jobs(5))).toBe(0);
    queue.start();
    await queue.drain();
    await queue.stop();
    expect([...r.delivered].sort()).toEqual(
      jobs(20)
        .map((j) => j.id)
        .sort(),
    );
    expect(await queue.count()).toBe(0);
  });

  it('keeps what it did not deliver in the store, and a new instance resumes it (restart)', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const r = recorder();
    let stopAfter = 12;
    const gate: JobHandler = {
      deliver: async (payload) => {
        await r.handler.deliver(payload);
        if (--stopAfter === 0) void first.stop();
      },
      giveUp: r.handler.giveUp,
    };
    const first = queueOn(storage, gate, clock, { concurrency: 2 });
    await first.enqueue(jobs(40));
    first.start();
    while (stopAfter > 0) await new Promise((res) => setImmediate(res));
    await first.stop();
    const afterFirst = r.delivered.length;
    expect(afterFirst).toBeGreaterThanOrEqual(12);
    expect(afterFirst).toBeLessThan(40);
    expect(await first.count()).toBe(40 - afterFirst);

    const second = queueOn(storage, r.handler, clock);
    second.start();
    await second.drain();
    await second.stop();
    expect(r.delivered).toHaveLength(40);
    expect(new Set(r.delivered).size).toBe(40);
  });

  it('lets two instances share one store without running any job twice', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const r = recorder();
    const byInstance = new Map<string, number>();
    const counting = (name: string): JobHandler => ({
      deliver: async (payload) => {
        await r.handler.deliver(payload);
        byInstance.set(name, (byInstance.get(name) ?? 0) + 1);
      },
      giveUp: r.handler.giveUp,
    });
    // Every idle wait moves the virtual clock on at once, so on a loaded machine a 30 s lease could run out in
    // virtual time while a slow file write is still in flight, and the other instance would rightly take the job
    // over (the queue is at-least-once). A lease of a day keeps this test about claims, not lease expiry.
    const a = queueOn(storage, counting('a'), clock, { pollMs: 10, leaseMs: 86_400_000 });
    const b = queueOn(storage, counting('b'), clock, { pollMs: 10, leaseMs: 86_400_000 });
    await a.enqueue(jobs(30));
    await b.enqueue(jobs(30, 30));
    a.start();
    b.start();
    await Promise.all([a.drain(), b.drain()]);
    await Promise.all([a.stop(), b.stop()]);
    expect(r.delivered).toHaveLength(60);
    expect(new Set(r.delivered).size).toBe(60);
    expect(byInstance.get('a')).toBeGreaterThan(0);
    expect(byInstance.get('b')).toBeGreaterThan(0);
  });

  it('leaves a job another instance holds until its lease runs out, then takes it over (crash)', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const crashedAt = clock.now();
    const held: StoredJob = {
      kind: 'test',
      payload: { id: 'held' },
      createdAt: crashedAt,
      notBefore: crashedAt,
      attempts: 0,
      throttles: 0,
      lease: { owner: 'dead', token: 'x', until: crashedAt + 30_000 },
    };
    await storage.createIfAbsent(`${JOB_PREFIX}held`, { ...held });
    const r = recorder();
    const queue = queueOn(storage, r.handler, clock);
    queue.start();
    await queue.drain();
    await queue.stop();
    expect(r.delivered).toEqual(['held']);
    expect(clock.now()).toBeGreaterThanOrEqual(crashedAt + 30_000);
  });

  it('retries 5xx with backoff until it succeeds, and waits Retry-After on 429', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const r = recorder((id, call) => {
      if (id === 'j0' && call <= 2) return httpError(503);
      if (id === 'j1' && call === 1) return httpError(429, '7');
      return undefined;
    });
    const queue = queueOn(storage, r.handler, clock);
    const start = clock.now();
    await queue.enqueue(jobs(2));
    queue.start();
    await queue.drain();
    await queue.stop();
    expect(r.calls.get('j0')).toBe(3);
    expect(r.calls.get('j1')).toBe(2);
    expect(r.delivered.sort()).toEqual(['j0', 'j1']);
    expect(clock.now() - start).toBeGreaterThanOrEqual(7000);
  });

  it('never retries other 4xx: gives up once, with the reason', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const r = recorder(() => httpError(403, undefined, { error: { code: 'ConversationBlockedByUser' } }));
    const queue = queueOn(storage, r.handler, clock);
    await queue.enqueue(jobs(1));
    queue.start();
    await queue.drain();
    await queue.stop();
    expect(r.calls.get('j0')).toBe(1);
    expect(r.gaveUp).toEqual([{ id: 'j0', reason: 'They have blocked the bot in Teams.' }]);
  });

  it('gives up after maxAttempts transient failures', async () => {
    const storage = makeStorage();
    const clock = virtualClock();
    const r = recorder(() => httpError(502));
    const queue = queueOn(storage, r.handler, clock, { retry: { ...settings.retry, maxAttempts: 3 } });
    await queue.enqueue(jobs(1));
    queue.start();
    await queue.drain();
    await queue.stop();
    expect(r.calls.get('j0')).toBe(3);
    expect(r.gaveUp).toHaveLength(1);
  });
});

describe('DeliveryQueue claims', () => {
  it('lets exactly one of many racing instances claim each job', async () => {
    const storage = new AtomicMemoryStorage();
    const clock = virtualClock();
    const r = recorder();
    const queues = Array.from({ length: 6 }, () => queueOn(storage, r.handler, clock, { pollMs: 1 }));
    // Queued by "another instance": every queue finds all of them in its first scan and races for each.
    const at = clock.now();
    for (const job of jobs(20)) {
      const item: StoredJob = { kind: job.kind, payload: job.payload, createdAt: at, notBefore: at, attempts: 0, throttles: 0 };
      await storage.createIfAbsent(JOB_PREFIX + job.id, { ...item });
    }
    queues.forEach((q) => q.start());
    await Promise.all(queues.map((q) => q.drain()));
    await Promise.all(queues.map((q) => q.stop()));
    expect(r.delivered.sort()).toEqual(
      jobs(20)
        .map((j) => j.id)
        .sort(),
    );
  });
});
