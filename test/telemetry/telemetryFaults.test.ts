/**
 * Telemetry of what goes wrong and of scheduled work, through the real server, read from in-memory exporters:
 * reminders, storage errors, a retried delivery and a poisoned one.
 */
import { personalInstall, postActivity, sceneFrom, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams } from '../helpers/botHarness';
import { channelAuthEnv } from '../helpers/channelAuthEnv';
import { StaticTokenCredentialsFactory } from '../helpers/credentials';
import { startIdentityEmulator } from '../helpers/identityEmulator';
import { startTeamsEmulator } from '../helpers/teamsEmulator';
import { FaultyStorage, storageDown } from '../helpers/faultyStorage';
import { captureTelemetry, type TelemetryCapture } from '../helpers/telemetryCapture';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { JOB_PREFIX } from '../../src/delivery/queue';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';

const DAY = 24 * 3600_000;
/** Monday 23 March 2026, 10:00 GMT (working hours). */
const MONDAY_10AM = Date.UTC(2026, 2, 23, 10);

let teams: TeamsEmulator;
let scene: TeamsScene;
let capture: TelemetryCapture;
beforeAll(async () => {
  ({ teams, scene } = await startTeams());
});
beforeEach(() => {
  capture = captureTelemetry();
});
afterEach(async () => {
  await capture.shutdown();
});
afterAll(async () => {
  await teams.close();
});

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('telemetry of faults and scheduled work', () => {
  it('counts reminders queued and sent, and their deliveries', async () => {
    let nowMs = MONDAY_10AM;
    const bot = await startBot(
      { TEAMS_SERVICE_URL: teams.serviceUrl, DELIVERY_POLL_SECONDS: '0.1' },
      { now: () => new Date(nowMs), telemetry: capture.telemetry },
    );
    try {
      const starter = newStarter(teams);
      await postActivity(bot.messagesUrl, personalInstall(scene, starter.who, starter.conversationId));
      nowMs = MONDAY_10AM + 3 * DAY;
      expect((await bot.app.jobs.reminders()).queued).toBe(1);
      await bot.app.deliveries.drain();
      expect(await capture.total('welcomebot.reminders', { outcome: 'queued' })).toBe(1);
      expect(await capture.total('welcomebot.reminders', { outcome: 'sent', stage: '1' })).toBe(1);
      expect(await capture.total('welcomebot.deliveries', { kind: 'reminder', outcome: 'sent' })).toBe(1);
    } finally {
      await bot.close();
    }
  });

  it('counts storage errors by operation, marks the storage and turn spans failed, and keeps no error text', async () => {
    const storage = new FaultyStorage(new AtomicMemoryStorage());
    const bot = await startBot({ GRAPH_ENABLED: 'false' }, { storage, telemetry: capture.telemetry });
    try {
      const starter = newStarter(teams);
      storage.failing = storageDown();
      await postActivity(bot.messagesUrl, personalInstall(scene, starter.who, starter.conversationId));
      expect(await capture.total('welcomebot.storage.errors', { operation: 'read' })).toBeGreaterThanOrEqual(1);
      expect(await capture.total('welcomebot.storage.duration', { operation: 'read', outcome: 'error' })).toBeGreaterThanOrEqual(1);
      const failed = capture.spans().filter((s) => s.status.code === 2);
      expect(failed.some((s) => s.name === 'storage')).toBe(true);
      expect(failed.some((s) => s.name === 'turn' && s.attributes['outcome'] === 'error')).toBe(true);
      expect(JSON.stringify(capture.spans().map((s) => [s.attributes, s.status, s.events]))).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      storage.failing = undefined;
      await bot.close();
    }
  });

  it('counts a delivery retried after a Teams 500, then sent', async () => {
    const bot = await startBot({ GRAPH_ENABLED: 'false', DELIVERY_BACKOFF_MS: '20', DELIVERY_POLL_SECONDS: '0.05' }, { telemetry: capture.telemetry });
    try {
      const { who, conversationId } = newStarter(teams);
      teams.failNext({ status: 500, code: 'InternalServerError', times: 2, match: { conversationId } });
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      await eventually(async () => (await capture.total('welcomebot.deliveries', { kind: 'installWelcome', outcome: 'sent' })) >= 1);
      expect(await capture.total('welcomebot.deliveries', { kind: 'installWelcome', outcome: 'retried' })).toBeGreaterThanOrEqual(1);
      expect(await capture.total('welcomebot.welcomes', { outcome: 'queued', via: 'install', reason: 'transient' })).toBe(1);
    } finally {
      await bot.close();
    }
  });

  it('counts a welcome Teams refused as failed', async () => {
    const bot = await startBot({ GRAPH_ENABLED: 'false' }, { telemetry: capture.telemetry });
    try {
      const { who, conversationId } = newStarter(teams);
      teams.failNext({ status: 403, code: 'Forbidden', times: 1, match: { conversationId } });
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      expect(await capture.total('welcomebot.welcomes', { outcome: 'failed', via: 'install' })).toBe(1);
      expect(await capture.total('welcomebot.welcomes', { outcome: 'sent' })).toBe(0);
    } finally {
      await bot.close();
    }
  });

  it('counts a delivery moved to the poison queue', async () => {
    const storage = new AtomicMemoryStorage();
    // A delivery no handler knows (an older release reading a newer one's queue).
    await storage.write({ [`${JOB_PREFIX}mystery-1`]: { kind: 'fromTheFuture', payload: {}, createdAt: 0, notBefore: 0, attempts: 0, throttles: 0 } });
    const bot = await startBot({ GRAPH_ENABLED: 'false', DELIVERY_POLL_SECONDS: '0.05' }, { storage, telemetry: capture.telemetry });
    try {
      await eventually(async () => (await capture.total('welcomebot.deliveries', { kind: 'unknown', outcome: 'poisoned' })) === 1);
    } finally {
      await bot.close();
    }
  });
});

describe('telemetry of refused Bot Framework requests', () => {
  it('counts each refused channel token by reason, and nothing of the token', async () => {
    const APP_ID = '00000000-0000-0000-0000-00000000b07b';
    const identity = await startIdentityEmulator();
    const secured = await startTeamsEmulator({ appId: APP_ID, requireAuth: true, acceptToken: () => true });
    const securedScene = sceneFrom(secured);
    const bot = await startBot(channelAuthEnv(identity, APP_ID, secured.tenantId), {
      credentialsFactory: new StaticTokenCredentialsFactory(APP_ID, () => 'out'),
      telemetry: capture.telemetry,
    });
    try {
      const { who, conversationId } = newStarter(secured);
      const activity = personalInstall(securedScene, who, conversationId);
      expect((await postActivity(bot.messagesUrl, activity)).status).toBe(401);
      expect((await postActivity(bot.messagesUrl, activity, { token: 'forged.token.value' })).status).toBe(401);
      expect(await capture.total('welcomebot.auth.refused', { surface: 'botFramework' })).toBe(2);
      const points = (await capture.metrics()).filter((p) => p.name === 'welcomebot.auth.refused');
      expect(points.every((p) => /^[a-zA-Z]{1,32}$/.test(String(p.attributes['reason'])))).toBe(true);
      expect(await capture.total('welcomebot.turns')).toBe(0);
    } finally {
      await bot.close();
      await secured.close();
      await identity.close();
    }
  });
});
