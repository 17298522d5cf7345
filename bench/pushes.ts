/**
 * 1000 LA pushes through the rate-limited Teams emulator: the app runs in this process (createApp, file store in
 * a temp dir) beside the Teams emulator (Teams' per-conversation windows and a per-tenant rate) and the Graph
 * emulator (the starters' directory). Every starter is in the directory and can use the app but has never
 * talked to the bot, so each welcome means opening the 1:1 chat and sending the card. Time runs from the LA's
 * push request to the last welcome; lost and duplicated welcomes are counted from what Teams received.
 */
import { personalInstall, postActivity, sceneFrom } from '../test/helpers/activities';
import { startBot, tempDataDir } from '../test/helpers/botHarness';
import { startGraphEmulator } from '../test/helpers/graphEmulator';
import { startTeamsEmulator, type TeamsUser } from '../test/helpers/teamsEmulator';
import { requestPush, settle } from './adapters/delivery';

const GRAPH_CLIENT = { clientId: 'bench-graph-client', clientSecret: 'bench-graph-secret' };
const CATALOG_APP_ID = 'c0ffee00-0000-4000-8000-00000000a11a';

export interface PushFigures {
  readonly count: number;
  readonly tenantPerSecond: number;
  readonly seconds: number;
  /** count / tenantPerSecond: one rate-limited call per welcome. */
  readonly floorSeconds: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Teams calls answered 2xx, and refused with 429, per welcome. */
  readonly callsPerWelcome: number;
  readonly throttled: number;
  readonly timedOut: boolean;
}

export async function measurePushes(count: number, tenantPerSecond: number): Promise<PushFigures> {
  const teams = await startTeamsEmulator({ requireAuth: false, tenantPerSecond });
  const graph = await startGraphEmulator({ tenantId: teams.tenantId, clients: [GRAPH_CLIENT], catalogAppIds: [CATALOG_APP_ID] });
  const scene = sceneFrom(teams);
  const la = teams.addUser({ aadObjectId: 'aaaaaaaa-0000-4000-8000-00000000001a', userId: '29:bench-la', upn: 'jane.smith@nhs.net', name: 'Jane Smith' });
  teams.installApp(la);
  const starters: TeamsUser[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, '0');
    const user = teams.addUser({
      aadObjectId: `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`,
      userId: `29:bench-s${n}`,
      upn: `s${n}@nhs.net`,
      name: `Starter ${n}`,
    });
    teams.installApp(user);
    graph.addUser({ id: user.aadObjectId, displayName: user.name, userPrincipalName: user.upn, mail: user.upn });
    starters.push(user);
  }
  const bot = await startBot({
    DATA_DIR: tempDataDir(),
    LOG_LEVEL: 'error',
    LA_OBJECT_IDS: la.aadObjectId,
    PUSH_MAX_BATCH: String(Math.max(count, 1)),
    TEAMS_SERVICE_URL: teams.serviceUrl,
    TEAMS_APP_ID: CATALOG_APP_ID,
    DELIVERY_TENANT_PER_SECOND: String(tenantPerSecond),
    GRAPH_TENANT_ID: teams.tenantId,
    GRAPH_CLIENT_ID: GRAPH_CLIENT.clientId,
    GRAPH_CLIENT_SECRET: GRAPH_CLIENT.clientSecret,
    GRAPH_LOGIN_URL: graph.loginUrl,
    GRAPH_BASE_URL: graph.graphUrl,
  });
  const laWho = { userId: la.userId, name: la.name, aadObjectId: la.aadObjectId };
  const laConversation = teams.personalConversationId(la);
  try {
    // The LA has used the bot before (their own welcome is not part of the measurement).
    await postActivity(bot.messagesUrl, personalInstall(scene, laWho, laConversation));
    teams.reset();
    const conversationOf = new Map(starters.map((s) => [teams.personalConversationId(s), s.aadObjectId]));
    const welcomesTo = (): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const a of teams.activities) {
        const starter = a.kind === 'send' || a.kind === 'reply' ? conversationOf.get(a.conversationId) : undefined;
        if (starter) counts.set(starter, (counts.get(starter) ?? 0) + 1);
      }
      return counts;
    };
    const floorSeconds = count / tenantPerSecond;
    const started = performance.now();
    const deadline = Date.now() + Math.max(60_000, floorSeconds * 6 * 1000);
    await requestPush(
      bot.messagesUrl,
      scene,
      laWho,
      laConversation,
      starters.map((s) => s.upn),
    );
    await settle(bot.app, () => welcomesTo().size, count, deadline);
    const seconds = (performance.now() - started) / 1000;
    const welcomes = welcomesTo();
    const lost = starters.filter((s) => !welcomes.has(s.aadObjectId)).length;
    const duplicated = [...welcomes.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const ok = teams.requests.filter((r) => r.status >= 200 && r.status < 300).length;
    const throttled = teams.requests.filter((r) => r.status === 429).length;
    return {
      count,
      tenantPerSecond,
      seconds,
      floorSeconds,
      lost,
      duplicated,
      callsPerWelcome: ok / Math.max(1, count),
      throttled,
      timedOut: Date.now() >= deadline,
    };
  } finally {
    await bot.close();
    await graph.close();
    await teams.close();
  }
}
