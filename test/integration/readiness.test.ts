/**
 * /readyz tells the truth about each dependency (storage, the delivery queue, Graph when configured), with its state
 * and latency, within a bounded time and without a library's error text; /healthz stays cheap; neither logs at info.
 */
import { startAzurite, type Azurite } from '../helpers/azurite';
import { startBot } from '../helpers/botHarness';
import { FaultyStorage, storageDown } from '../helpers/faultyStorage';
import { startGraphEmulator } from '../helpers/graphEmulator';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';

interface ReadyBody {
  status: string;
  dependencies: Record<string, { state: string; latencyMs: number; reason?: string }>;
}

async function readyz(baseUrl: string): Promise<{ status: number; body: ReadyBody; text: string }> {
  const res = await fetch(`${baseUrl}/readyz`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as ReadyBody, text };
}

const GRAPH = (loginUrl: string, graphUrl: string): Record<string, string> => ({
  GRAPH_TENANT_ID: 'tenant-ready',
  GRAPH_CLIENT_ID: 'graph-client',
  GRAPH_CLIENT_SECRET: 'graph-secret',
  GRAPH_LOGIN_URL: loginUrl,
  GRAPH_BASE_URL: graphUrl,
  GRAPH_INSTALL_APP: 'false',
});

describe('/readyz with the store', () => {
  it('reports storage and the queue up with their latency, and no Graph when Graph is not configured', async () => {
    const bot = await startBot({ GRAPH_ENABLED: 'false' });
    try {
      const { status, body } = await readyz(bot.baseUrl);
      expect(status).toBe(200);
      expect(body.status).toBe('ready');
      expect(Object.keys(body.dependencies).sort()).toEqual(['queue', 'storage']);
      for (const dep of Object.values(body.dependencies)) {
        expect(dep.state).toBe('up');
        expect(Number.isInteger(dep.latencyMs) && dep.latencyMs >= 0).toBe(true);
      }
    } finally {
      await bot.close();
    }
  });

  it("answers 503 naming storage and the queue when the store is down, without the library's error text, and ready again when it is back", async () => {
    const storage = new FaultyStorage(new AtomicMemoryStorage());
    const bot = await startBot({ GRAPH_ENABLED: 'false' }, { storage });
    try {
      storage.failing = storageDown();
      const down = await readyz(bot.baseUrl);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unready');
      expect(down.body.dependencies['storage']).toMatchObject({ state: 'down', reason: 'unreachable' });
      expect(down.body.dependencies['queue']).toMatchObject({ state: 'down', reason: 'unreachable' });
      expect(down.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Error|at /);
      expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
      storage.failing = undefined;
      expect((await readyz(bot.baseUrl)).status).toBe(200);
    } finally {
      await bot.close();
    }
  });

  it('gives up on a store that does not answer within READY_TIMEOUT_MS and says it timed out', async () => {
    const storage = new FaultyStorage(new AtomicMemoryStorage());
    const bot = await startBot({ GRAPH_ENABLED: 'false', READY_TIMEOUT_MS: '300' }, { storage });
    try {
      storage.delayMs = 3000;
      const started = Date.now();
      const slow = await readyz(bot.baseUrl);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(slow.status).toBe(503);
      expect(slow.body.dependencies['storage']).toMatchObject({ state: 'down', reason: 'timeout' });
      expect(slow.body.dependencies['storage']?.latencyMs).toBeGreaterThanOrEqual(280);
    } finally {
      storage.delayMs = 0;
      await bot.close();
    }
  });

  it('answers a flood of probes with one check at a time: 50 at once cost the store one round of pings', async () => {
    class CountingStorage extends FaultyStorage {
      pings = 0;
      override async ping(): Promise<void> {
        this.pings++;
        return super.ping();
      }
    }
    const storage = new CountingStorage(new AtomicMemoryStorage());
    const bot = await startBot({ GRAPH_ENABLED: 'false' }, { storage });
    try {
      storage.delayMs = 200;
      const answers = await Promise.all(Array.from({ length: 50 }, () => readyz(bot.baseUrl)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      // The store and its queue (the store's own) are each pinged once per check.
      expect(storage.pings).toBeLessThanOrEqual(4);
    } finally {
      storage.delayMs = 0;
      await bot.close();
    }
  });

  it('keeps both probes out of the logs at info level, even when unready', async () => {
    const storage = new FaultyStorage(new AtomicMemoryStorage());
    const bot = await startBot({ GRAPH_ENABLED: 'false', LOG_LEVEL: 'info' }, { storage });
    try {
      const before = bot.logs.length;
      for (let i = 0; i < 5; i++) {
        await fetch(`${bot.baseUrl}/healthz`);
        await readyz(bot.baseUrl);
      }
      storage.failing = storageDown();
      await readyz(bot.baseUrl);
      expect(bot.logs.slice(before)).toEqual([]);
    } finally {
      storage.failing = undefined;
      await bot.close();
    }
  });
});

describe('/readyz with Graph', () => {
  it("reports Graph up when it answers with the bot's credentials, and down when it cannot be reached", async () => {
    const graph = await startGraphEmulator({ tenantId: 'tenant-ready' });
    const up = await startBot(GRAPH(graph.loginUrl, graph.graphUrl));
    try {
      const ready = await readyz(up.baseUrl);
      expect(ready.status).toBe(200);
      expect(ready.body.dependencies['graph']).toMatchObject({ state: 'up' });
      // Nobody's data is asked for: a query that matches no one.
      expect(graph.requests.some((r) => r.path === '/v1.0/users' && r.method === 'GET')).toBe(true);
    } finally {
      await up.close();
      await graph.close();
    }
    const unreachable = await startBot(GRAPH('http://127.0.0.1:9', 'http://127.0.0.1:9/v1.0'));
    try {
      const down = await readyz(unreachable.baseUrl);
      expect(down.status).toBe(503);
      expect(down.body.dependencies['graph']).toMatchObject({ state: 'down', reason: 'unreachable' });
      expect(down.body.dependencies['storage']).toMatchObject({ state: 'up' });
      expect(down.text).not.toMatch(/ECONNREFUSED|fetch failed|TypeError/);
    } finally {
      await unreachable.close();
    }
  });
});

describe('/readyz on Azure Storage (Azurite)', () => {
  let azurite: Azurite | undefined;
  afterAll(async () => {
    await azurite?.stop();
  });

  it('reports blob storage and the Azure queue up, then both down once Azurite is stopped', async () => {
    azurite = await startAzurite();
    const bot = await startBot({
      GRAPH_ENABLED: 'false',
      STORAGE: 'blob',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: azurite.newContainer(),
      READY_TIMEOUT_MS: '1500',
    });
    try {
      // The worker creates the queues as it starts.
      let ready = await readyz(bot.baseUrl);
      for (let i = 0; i < 40 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await readyz(bot.baseUrl);
      }
      expect(ready.status).toBe(200);
      expect(ready.body.dependencies).toMatchObject({ storage: { state: 'up' }, queue: { state: 'up' } });
      await azurite.stop();
      azurite = undefined;
      const started = Date.now();
      const down = await readyz(bot.baseUrl);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(down.status).toBe(503);
      expect(down.body.dependencies['storage']?.state).toBe('down');
      expect(down.body.dependencies['queue']?.state).toBe('down');
      expect(down.text).not.toMatch(/ECONNREFUSED|RestError|at /);
    } finally {
      await bot.close();
    }
  }, 120_000);
});
