/**
 * Telemetry of real behaviour, through the real server, read back from OpenTelemetry's in-memory exporters: each
 * behaviour's spans and metrics, and (privacy) every attribute key and value against an allow-list.
 */
import { SpanKind } from '@opentelemetry/api';
import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import type { JsonObject } from '../helpers/loopback';
import { captureTelemetry, type TelemetryCapture } from '../helpers/telemetryCapture';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { loadContent } from '../../src/content/load';
import { allActions } from '../../src/journey/journey';
import { join } from 'node:path';

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let capture: TelemetryCapture;
/** Every personal value the scenario used: none may appear in any attribute. */
const personal: string[] = [];
const QUESTIONS = ['how do I reset my password', 'the nhsmail team asked for my password', 'teams training', 'a question about my mailbox'];

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  capture = captureTelemetry();
  bot = await startBot(
    {
      GRAPH_ENABLED: 'false',
      ENTRA_TENANT_ID: scene.tenantId,
      API_AUDIENCES: 'api://welcome-test',
      ENTRA_JWKS_URL: 'http://127.0.0.1:9/keys',
      DELIVERY_BACKOFF_MS: '20',
      DELIVERY_POLL_SECONDS: '0.05',
    },
    { telemetry: capture.telemetry },
  );
});
afterAll(async () => {
  await bot.close();
  await teams.close();
  await capture.shutdown();
});

async function starter(): Promise<{ who: ActivityUser; conversationId: string }> {
  const { user, who, conversationId } = newStarter(teams, 'Telemetry Person');
  personal.push(user.userId, user.aadObjectId, user.upn, user.name, conversationId);
  return { who, conversationId };
}

async function press(who: ActivityUser, conversationId: string, data: JsonObject): Promise<void> {
  const res = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: String(data['verb']), data }));
  expect(res.status).toBe(200);
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('telemetry of real behaviour', () => {
  it('counts turns by kind, times each as a server span, and counts the welcome sent in the install turn', async () => {
    const { who, conversationId } = await starter();
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    expect(await capture.total('welcomebot.turns', { kind: 'installationUpdate' })).toBeGreaterThanOrEqual(1);
    expect(await capture.total('welcomebot.welcomes', { outcome: 'sent', via: 'install', kind: 'journey' })).toBeGreaterThanOrEqual(1);
    expect(await capture.total('welcomebot.turn.duration', { kind: 'installationUpdate' })).toBeGreaterThanOrEqual(1);
    const turn = capture.spans().find((s) => s.name === 'turn' && s.attributes['kind'] === 'installationUpdate');
    expect(turn?.kind).toBe(SpanKind.SERVER);
    // The install turn's storage work, as dependency spans with latency.
    const storage = capture.spans().filter((s) => s.name === 'storage');
    expect(storage.length).toBeGreaterThan(0);
    expect(storage.every((s) => s.kind === SpanKind.CLIENT && s.attributes['store'] === 'file')).toBe(true);
    expect(await capture.total('welcomebot.storage.duration', { operation: 'read', outcome: 'ok' })).toBeGreaterThan(0);
  });

  it('counts acknowledgements each time, and each funnel milestone once per starter however often they tap', async () => {
    const { who, conversationId } = await starter();
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    const acksBefore = await capture.total('welcomebot.acknowledgements', { action: 'account-secret', change: 'ack', via: 'chat' });
    const funnelBefore = await capture.total('welcomebot.funnel', { stage: 'action', action: 'account-secret' });
    await press(who, conversationId, { verb: 'ack', actionId: 'account-secret' });
    await press(who, conversationId, { verb: 'ack', actionId: 'account-secret' });
    await press(who, conversationId, { verb: 'goto', stepId: 'getting-started' });
    expect(await capture.total('welcomebot.acknowledgements', { action: 'account-secret', change: 'ack', via: 'chat' })).toBe(acksBefore + 2);
    expect(await capture.total('welcomebot.funnel', { stage: 'action', action: 'account-secret' })).toBe(funnelBefore + 1);
    expect(await capture.total('welcomebot.funnel', { stage: 'secondStep' })).toBeGreaterThanOrEqual(1);
    expect(await capture.total('welcomebot.funnel', { stage: 'welcomed', via: 'self' })).toBeGreaterThanOrEqual(2);
  });

  it('counts questions by verdict: answered, safety, did you mean and fallback (never the question)', async () => {
    const { who, conversationId } = await starter();
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    for (const q of QUESTIONS) await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, q));
    for (const outcome of ['answered', 'safety', 'didYouMean', 'fallback']) {
      expect(await capture.total('welcomebot.questions', { outcome })).toBeGreaterThanOrEqual(1);
    }
    // Never the question: no attribute of any point or span holds its words (one word alone may be an intent id).
    const exported = JSON.stringify([...(await capture.metrics()).map((p) => p.attributes), ...capture.spans().map((s) => s.attributes)]).toLowerCase();
    for (const q of QUESTIONS) expect({ q, exported: exported.includes(q.toLowerCase()) }).toEqual({ q, exported: false });
  });

  it('counts refused authentication on the API, by reason', async () => {
    const before = await capture.total('welcomebot.auth.refused', { surface: 'entra', reason: 'missing' });
    expect((await fetch(`${bot.baseUrl}/api/admin/starters`)).status).toBe(401);
    expect((await fetch(`${bot.baseUrl}/api/admin/starters`, { headers: { authorization: 'Bearer not.a.token' } })).status).toBe(401);
    expect(await capture.total('welcomebot.auth.refused', { surface: 'entra', reason: 'missing' })).toBe(before + 1);
    expect(await capture.total('welcomebot.auth.refused', { surface: 'entra', reason: 'invalid' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a welcome Teams throttled: the 429, the welcome and delivery queued, the retry, then sent', async () => {
    const { who, conversationId } = await starter();
    teams.failNext({ status: 429, retryAfter: 0, times: 2, match: { conversationId } });
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    expect(await capture.total('welcomebot.welcomes', { outcome: 'queued', via: 'install' })).toBeGreaterThanOrEqual(1);
    expect(await capture.total('welcomebot.deliveries', { kind: 'installWelcome', outcome: 'queued' })).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await capture.total('welcomebot.deliveries', { kind: 'installWelcome', outcome: 'sent' })) >= 1);
    expect(await capture.total('welcomebot.deliveries', { outcome: 'throttled429' })).toBeGreaterThanOrEqual(2);
    expect(await capture.total('welcomebot.deliveries', { kind: 'installWelcome', outcome: 'throttled' })).toBeGreaterThanOrEqual(1);
    expect(capture.spans().some((s) => s.name === 'delivery' && s.attributes['kind'] === 'installWelcome' && s.attributes['outcome'] === 'sent')).toBe(true);
  });

  it('carries no personal data and no message text: every attribute key and value is on the allow-list', async () => {
    // Its own run of every behaviour above (so it does not rely on their order), then every attribute so far.
    const { who, conversationId } = await starter();
    teams.failNext({ status: 429, retryAfter: 0, times: 1, match: { conversationId } });
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    await eventually(async () => teams.sentTo(conversationId).length > 0);
    await press(who, conversationId, { verb: 'ack', actionId: 'account-secret' });
    await press(who, conversationId, { verb: 'unack', actionId: 'account-secret' });
    await press(who, conversationId, { verb: 'goto', stepId: 'getting-started' });
    for (const q of QUESTIONS) await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, q));
    await fetch(`${bot.baseUrl}/api/admin/starters`, { headers: { authorization: 'Bearer not.a.token' } });
    await fetch(`${bot.baseUrl}/readyz`);
    const content = loadContent(join(__dirname, '..', '..', 'cards'));
    const actionIds = new Set(allActions(content.journey).map((a) => a.id));
    const allowed: Record<string, (v: unknown) => boolean> = {
      kind: (v) =>
        [
          'message',
          'invoke',
          'installationUpdate',
          'conversationUpdate',
          'messageReaction',
          'event',
          'typing',
          'messageUpdate',
          'messageDelete',
          'other',
          'installWelcome',
          'welcome',
          'reminder',
          'unknown',
          'journey',
          'introduction',
        ].includes(String(v)),
      outcome: (v) =>
        [
          'ok',
          'conflict',
          'error',
          'sent',
          'queued',
          'failed',
          'throttled',
          'throttled429',
          'retried',
          'gaveUp',
          'poisoned',
          'answered',
          'safety',
          'didYouMean',
          'fallback',
          'offTopic',
        ].includes(String(v)),
      via: (v) => ['install', 'push', 'chat', 'tab', 'self'].includes(String(v)),
      action: (v) => actionIds.has(String(v)),
      change: (v) => v === 'ack' || v === 'unack',
      operation: (v) => ['read', 'write', 'delete', 'createIfAbsent', 'ping', 'list'].includes(String(v)),
      reason: (v) => /^[a-zA-Z]{1,32}$/.test(String(v)),
      surface: (v) => v === 'botFramework' || v === 'entra',
      stage: (v) => ['welcomed', 'secondStep', 'action', 'mustDoAll', 'finished'].includes(String(v)) || /^\d{1,2}$/.test(String(v)),
      cohort_week: (v) => /^\d{4}-W\d{2}$/.test(String(v)),
      store: (v) => ['file', 'memory', 'blob'].includes(String(v)),
    };
    const seen: [string, unknown][] = [];
    for (const span of capture.spans()) {
      expect(['turn', 'storage', 'delivery']).toContain(span.name);
      expect(span.events).toEqual([]); // no exception events (their message may hold a user's text)
      expect(span.status.message ?? '').toBe('');
      seen.push(...Object.entries(span.attributes));
    }
    for (const point of await capture.metrics()) {
      expect(point.name).toMatch(/^welcomebot\.[a-z.]+$/);
      seen.push(...Object.entries(point.attributes));
    }
    expect(seen.length).toBeGreaterThan(50);
    const refused = seen.filter(([key, value]) => !(allowed[key]?.(value) ?? false));
    expect(refused).toEqual([]);
    const leaked = seen.filter(([, value]) =>
      [...personal, ...QUESTIONS].some(
        (p) => String(value).toLowerCase().includes(p.toLowerCase()) || (p.toLowerCase().includes(String(value).toLowerCase()) && String(value).length > 8),
      ),
    );
    expect(leaked).toEqual([]);
  });
});
