import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActivityTypes, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, type ConnectorClient } from 'botframework-connector';
import { systemDeliveryClock } from '../../src/delivery/clock';
import { AZURE_DEFAULT_RETRY_POLICY, pipelineOf, ProactiveAuthentication } from '../../src/teams/proactiveConnector';
import { TeamsRateLimiter } from '../../src/delivery/rateLimiter';
import { startAzurite } from '../helpers/azurite';
import { tempDataDir } from '../helpers/botHarness';
import { startPushRig, type PushRig } from '../helpers/pushRig';
import type { TeamsUser } from '../helpers/teamsEmulator';

/** Fast enough for tests, and paced by the same sliding windows as Teams (the emulator enforces them). */
const PER_SECOND = 150;
const FAST = { DELIVERY_POLL_SECONDS: '0.1', DELIVERY_BACKOFF_MS: '20' };

let rig: PushRig;
beforeAll(async () => {
  rig = await startPushRig({ tenantPerSecond: PER_SECOND });
});
afterAll(async () => {
  await rig.close();
});

function auditEvents(dataDir: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Requests that posted a message to one starter (sends, and chat creations that carry the message), with their statuses. */
function sendStatuses(starter: TeamsUser): number[] {
  const conversationId = rig.teams.personalConversationId(starter);
  return rig.teams.requests
    .filter((r) => r.method === 'POST' && (decodeURIComponent(r.path).includes(`${conversationId}/activities`) || createsWithMessage(r.body, starter)))
    .map((r) => r.status);
}

function createsWithMessage(body: unknown, starter: TeamsUser): boolean {
  const b = body as { members?: { id?: string }[]; activity?: unknown } | undefined;
  return b?.activity !== undefined && b.members?.[0]?.id === starter.aadObjectId;
}

describe("botbuilder's HTTP pipeline retries, and the proactive connector does not", () => {
  const botAppId = '';
  async function connector(proactive: boolean): Promise<ConnectorClient> {
    const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppType: 'MultiTenant' });
    const used = proactive ? new ProactiveAuthentication(auth, new TeamsRateLimiter({ tenantPerSecond: 1000 }, Date.now), systemDeliveryClock) : auth;
    const identity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: botAppId },
      { type: AuthenticationConstants.AppIdClaim, value: botAppId },
    ]);
    return used.createConnectorFactory(identity).create(rig.teams.serviceUrl, 'https://api.botframework.com');
  }

  it.each([429, 503])('default pipeline: one send that keeps getting %i reaches Teams 4 times; proactive: once', async (status) => {
    const [starter] = rig.addStarters(1) as [TeamsUser];
    const conversationId = rig.teams.personalConversationId(starter);
    const activity = { type: ActivityTypes.Message, text: 'hi' };

    // Retry-After: 0 lets Azure's throttling strategy retry at once (its 5xx backoff without the header starts at 1 s).
    rig.teams.failNext({ status, retryAfter: 0, times: 20, match: { conversationId, path: '/activities' } });
    const plain = await connector(false);
    expect(
      pipelineOf(plain)
        .getOrderedPolicies()
        .map((p) => p.name),
    ).toContain(AZURE_DEFAULT_RETRY_POLICY);
    await expect(plain.conversations.sendToConversation(conversationId, activity)).rejects.toMatchObject({ statusCode: status });
    expect(sendStatuses(starter)).toEqual([status, status, status, status]);

    const proactive = await connector(true);
    expect(
      pipelineOf(proactive)
        .getOrderedPolicies()
        .map((p) => p.name),
    ).not.toContain(AZURE_DEFAULT_RETRY_POLICY);
    await expect(proactive.conversations.sendToConversation(conversationId, activity)).rejects.toMatchObject({ statusCode: status });
    expect(sendStatuses(starter)).toHaveLength(5);
  });
});

describe('LA welcomes through the durable, rate-limited delivery engine', () => {
  it('retries a 503 and a 429 (after Retry-After) once each, never retries a 403, and the LA sees each outcome', async () => {
    const dataDir = tempDataDir();
    const bot = await rig.startBot({ ...rig.env(dataDir), ...FAST });
    try {
      const [flaky, throttled, blocked] = rig.addStarters(3) as [TeamsUser, TeamsUser, TeamsUser];
      // Each starter's welcome is the first message of the chat the bot opens with them.
      const only = (s: TeamsUser) => ({ member: s.aadObjectId });
      rig.teams.failNext({ status: 503, match: only(flaky) });
      rig.teams.failNext({ status: 429, retryAfter: 1, match: only(throttled) });
      rig.teams.failNext({
        status: 403,
        code: 'ConversationBlockedByUser',
        message: 'User blocked the conversation with the bot.',
        times: 5,
        match: only(blocked),
      });
      await rig.push(bot, [flaky, throttled, blocked]);
      await bot.app.deliveries.drain();

      expect(sendStatuses(flaky)).toEqual([503, 201]);
      expect(sendStatuses(throttled)).toEqual([429, 201]);
      expect(sendStatuses(blocked)).toEqual([403]);
      expect([flaky, throttled, blocked].map((s) => rig.welcomes(s))).toEqual([1, 1, 0]);

      const summary = await rig.press(bot, { verb: 'pushStatus', pushId: rig.lastPushId() ?? '' });
      expect(summary).toContain('Delivered: 2');
      expect(summary).toContain('Failed: 1');
      const status = await rig.press(bot, { verb: 'laStatus' });
      expect(status).toContain(`${blocked.upn}\nNot delivered: They have blocked the bot in Teams.`);
      expect(status).toContain(`${flaky.upn}\nWelcome delivered`);
      const outcomes = auditEvents(dataDir).filter((e) => e.pushId === rig.lastPushId() && String(e.event).startsWith('delivery.'));
      expect(outcomes.map((e) => `${String(e.event)} ${String(e.starter)}`).sort()).toEqual(
        [`delivery.delivered ${flaky.upn}`, `delivery.delivered ${throttled.upn}`, `delivery.failed ${blocked.upn}`].sort(),
      );
    } finally {
      await bot.close();
    }
  });

  it('pushes to 200 starters through Teams’ rate limits: none lost, none twice', async () => {
    const dataDir = tempDataDir();
    const bot = await rig.startBot({ ...rig.env(dataDir), ...FAST });
    try {
      const starters = rig.addStarters(200);
      expect(await rig.push(bot, starters)).toContain('Welcome journey: 200 starters');
      await bot.app.deliveries.drain();
      expect(rig.tally(starters)).toEqual({ delivered: 200, lost: 0, duplicated: 0 });
      expect(await rig.press(bot, { verb: 'pushStatus', pushId: rig.lastPushId() ?? '' })).toContain('Delivered: 200');
      expect(await bot.app.deliveries.queue.count()).toBe(0);
    } finally {
      await bot.close();
    }
  });

  it('resumes a batch of 200 after a restart in the middle, delivering each starter exactly once', async () => {
    const dataDir = tempDataDir();
    const first = await rig.startBot({ ...rig.env(dataDir), ...FAST });
    const starters = rig.addStarters(200);
    let firstClosed = false;
    try {
      await rig.push(first, starters);
      // Wait (without timing anything) until part of the batch is out, then stop the instance mid-batch.
      while (rig.tally(starters).delivered < 40) await new Promise((r) => setTimeout(r, 10));
      await first.close();
      firstClosed = true;
    } finally {
      if (!firstClosed) await first.close();
    }
    const beforeRestart = rig.tally(starters);
    expect(beforeRestart.duplicated).toBe(0);
    expect(beforeRestart.delivered).toBeLessThan(200);

    const second = await rig.startBot({ ...rig.env(dataDir), ...FAST });
    try {
      await second.app.deliveries.drain();
      expect(rig.tally(starters)).toEqual({ delivered: 200, lost: 0, duplicated: 0 });
      const delivered = auditEvents(dataDir).filter((e) => e.event === 'delivery.delivered' && e.pushId === rig.lastPushId());
      expect(new Set(delivered.map((e) => e.starter)).size).toBe(200);
      expect(delivered).toHaveLength(200);
    } finally {
      await second.close();
    }
  });

  it('lets two instances share one queue: both deliver, no starter gets two welcomes', async () => {
    // Sharing deliveries between instances is Azure Queue Storage's job (STORAGE=blob); the file store's queue is for one process.
    const azurite = await startAzurite();
    const env = {
      ...FAST,
      LOG_LEVEL: 'debug',
      DELIVERY_TENANT_PER_SECOND: String(PER_SECOND / 2),
      STORAGE: 'blob',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: azurite.newContainer(),
    };
    const a = await rig.startBot({ ...rig.env(), ...env });
    const b = await rig.startBot({ ...rig.env(), ...env });
    try {
      const starters = rig.addStarters(60); // fewer than on one instance: every step is a blob or queue request here
      await rig.push(a, starters);
      await Promise.all([a.app.deliveries.drain(), b.app.deliveries.drain()]);
      expect(rig.tally(starters)).toEqual({ delivered: 60, lost: 0, duplicated: 0 });
      const done = (logs: Record<string, unknown>[]) => logs.filter((l) => l.event === 'delivery.done').length;
      expect(done(a.logs)).toBeGreaterThan(0);
      expect(done(b.logs)).toBeGreaterThan(0);
      expect(done(a.logs) + done(b.logs)).toBe(60);
    } finally {
      await a.close();
      await b.close();
      await azurite.stop();
    }
  }, 180_000);
});
