/**
 * Organisation-wide rollout: hundreds of users get the app at once, Teams posts both install events for each, and
 * the connector refuses (429 + Retry-After) whatever goes over the tenant's limit. Every one of them must end up
 * with exactly one welcome: across throttling, a restart in the middle, and two instances sharing a store.
 */
import { startAzurite, type Azurite } from '../helpers/azurite';
import { startBot, tempDataDir } from '../helpers/botHarness';
import { exited, startBotProcess } from '../helpers/botProcess';
import { startInstallStorm, type InstallStorm } from '../helpers/installStorm';

jest.setTimeout(180_000);

const events = (logs: Record<string, unknown>[], event: string): number => logs.filter((l) => l.event === event).length;

describe('install storm against the tenant rate limit', () => {
  let storm: InstallStorm;
  beforeAll(async () => {
    storm = await startInstallStorm({ tenantPerSecond: 25 });
  });
  afterAll(async () => {
    await storm.close();
  });

  it('welcomes each of 300 users exactly once when Teams throttles beyond its tenant limit, and answers every install event', async () => {
    // The bot believes it may send twice what Teams allows, so Teams really answers 429s (in turns and in the queue).
    const bot = await startBot({ DATA_DIR: tempDataDir(), DELIVERY_TENANT_PER_SECOND: '75', LOG_LEVEL: 'info' });
    try {
      const users = storm.addUsers(300);
      storm.teams.reset();
      const fired = await storm.fire(users, 300, () => bot.messagesUrl);
      expect(fired.statuses.filter((s) => s !== 200)).toEqual([]);
      expect(await storm.waitUntilWelcomed(users, 60_000)).toBe(true);
      expect(storm.teams.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      // Throttled welcomes went to the queue and were sent from there.
      expect(events(bot.logs, 'welcome.queued')).toBeGreaterThan(0);
      await bot.app.deliveries.drain();
      expect(storm.tally(users)).toEqual({ welcomed: 300, lost: 0, duplicated: 0 });
    } finally {
      await bot.close();
    }
  });
});

describe('install storm with a restart in the middle (the real process, file store)', () => {
  let storm: InstallStorm;
  beforeAll(async () => {
    storm = await startInstallStorm({ tenantPerSecond: 40 });
  });
  afterAll(async () => {
    await storm.close();
  });

  it('welcomes every user once although the bot is restarted while the welcomes are still going out', async () => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, DELIVERY_TENANT_PER_SECOND: '30' };
    const first = await startBotProcess(env);
    const users = storm.addUsers(200);
    storm.teams.reset();
    try {
      const fired = await storm.fire(users, 200, () => first.url);
      expect(fired.statuses.filter((s) => s !== 200)).toEqual([]);
      // Every install was answered while most welcomes still wait their turn at the tenant's rate: restart now.
      for (let i = 0; i < 300 && storm.tally(users).welcomed < 40; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      first.child.kill('SIGTERM');
      await exited(first.child);
    }
    const atRestart = storm.tally(users);
    expect(atRestart.lost).toBeGreaterThan(0); // the restart really came mid-way

    const second = await startBotProcess(env);
    try {
      expect(await storm.waitUntilWelcomed(users, 60_000)).toBe(true);
      // Give a late duplicate time to show up.
      await new Promise((r) => setTimeout(r, 1500));
      expect(storm.tally(users)).toEqual({ welcomed: 200, lost: 0, duplicated: 0 });
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
  });
});

describe('install storm on two instances sharing Azure Blob Storage (Azurite)', () => {
  let storm: InstallStorm;
  let azurite: Azurite;
  beforeAll(async () => {
    [azurite, storm] = await Promise.all([startAzurite(), startInstallStorm({ tenantPerSecond: 60 })]);
  });
  afterAll(async () => {
    await storm.close();
    await azurite.stop();
  });

  it('welcomes every user once when each user’s two install events reach different instances', async () => {
    const shared = {
      STORAGE: 'blob',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: azurite.newContainer(),
      DELIVERY_POLL_SECONDS: '0.2',
      // Each instance paces itself: half the tenant's rate each.
      DELIVERY_TENANT_PER_SECOND: '30',
      LOG_LEVEL: 'info',
    };
    const a = await startBot(shared);
    const b = await startBot(shared);
    try {
      const users = storm.addUsers(150);
      storm.teams.reset();
      const fired = await storm.fire(users, 150, (i, event) => ((i + event) % 2 === 0 ? a.messagesUrl : b.messagesUrl));
      expect(fired.statuses.filter((s) => s !== 200)).toEqual([]);
      expect(await storm.waitUntilWelcomed(users, 90_000)).toBe(true);
      await Promise.all([a.app.deliveries.drain(), b.app.deliveries.drain()]);
      expect(storm.tally(users)).toEqual({ welcomed: 150, lost: 0, duplicated: 0 });
      // Both instances sent welcomes.
      expect(events(a.logs, 'welcome.sent')).toBeGreaterThan(0);
      expect(events(b.logs, 'welcome.sent')).toBeGreaterThan(0);
      expect(events(a.logs, 'welcome.sent') + events(b.logs, 'welcome.sent')).toBe(150);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
