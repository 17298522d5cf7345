/**
 * LA pushes at scale against the Teams and Graph emulators: starters in the directory without a chat with
 * the bot (each welcome is create conversation + member look-up + send), a Local Administrator, and counts of
 * what reached Teams. Used by the delivery engine's integration tests (the bench has its own, bench/pushes.ts).
 * No test-framework imports here.
 */
import type { AppOverrides } from '../../src/app';
import { adaptiveCardAction, postActivity, type ActivityUser, type TeamsScene } from './activities';
import { startBot, startTeams, tempDataDir, type RunningBot } from './botHarness';
import { buttons, cardOf, cardText } from './cardText';
import { startGraphEmulator, type GraphEmulator } from './graphEmulator';
import type { JsonObject } from './loopback';
import type { TeamsEmulator, TeamsUser } from './teamsEmulator';

const GRAPH_CLIENT = { clientId: 'graph-client-id', clientSecret: 'graph-secret' };

export interface PushRig {
  readonly teams: TeamsEmulator;
  readonly graph: GraphEmulator;
  readonly scene: TeamsScene;
  readonly la: { readonly user: TeamsUser; readonly who: ActivityUser; readonly conversationId: string };
  /** Settings for a bot wired to these emulators (add your own on top). */
  env(dataDir?: string): Record<string, string>;
  /** Starts a bot on these emulators. */
  startBot(env?: Record<string, string>, overrides?: AppOverrides): Promise<RunningBot>;
  /** Adds n starters to Teams (app installed, no chat yet) and the directory. */
  addStarters(n: number): TeamsUser[];
  /** The LA sends the push form card with the starters' addresses (batches of 400); resolves the last summary card's text. */
  push(bot: RunningBot, starters: readonly TeamsUser[]): Promise<string>;
  /** The LA presses a button (verb and data) on a card; resolves the answering card's text. */
  press(bot: RunningBot, data: Record<string, unknown> & { verb: string }): Promise<string>;
  /** The push id of the summary card last answered to push(). */
  lastPushId(): string | undefined;
  /** Welcome cards each starter received. */
  welcomes(starter: TeamsUser): number;
  /** Starters with no welcome, and with more than one. */
  tally(starters: readonly TeamsUser[]): { delivered: number; lost: number; duplicated: number };
  close(): Promise<void>;
}

let rigCounter = 0;

/** Starts Teams (with its rate limits) and Graph emulators and a Local Administrator. */
export async function startPushRig(options: { tenantPerSecond?: number } = {}): Promise<PushRig> {
  const { teams, scene } = await startTeams(options.tenantPerSecond !== undefined ? { tenantPerSecond: options.tenantPerSecond } : {});
  const graph = await startGraphEmulator({ tenantId: teams.tenantId, clients: [GRAPH_CLIENT] });
  rigCounter += 1;
  const tag = `${process.pid}r${rigCounter}`;
  let n = 0;
  let lastPushId: string | undefined;
  const addUser = (name: string): TeamsUser => {
    n += 1;
    const user = teams.addUser({
      aadObjectId: `00000000-0000-4000-9${rigCounter.toString().padStart(3, '0')}-${n.toString().padStart(12, '0')}`,
      userId: `29:push-${tag}-${n}`,
      upn: `starter.${tag}.${n}@nhs.net`,
      name,
    });
    teams.installApp(user);
    graph.addUser({ id: user.aadObjectId, displayName: name, userPrincipalName: user.upn, mail: user.upn });
    return user;
  };
  const laUser = addUser('Jane Smith');
  const la = {
    user: laUser,
    who: { userId: laUser.userId, name: laUser.name, aadObjectId: laUser.aadObjectId },
    conversationId: teams.personalConversationId(laUser),
  };
  const welcomeCount = (starter: TeamsUser): number => teams.sentTo(starter).filter((a) => cardText(cardOf(a)).includes('asked me to welcome you')).length;

  const rig: PushRig = {
    teams,
    graph,
    scene,
    la,
    env: (dataDir = tempDataDir()) => ({
      DATA_DIR: dataDir,
      LA_OBJECT_IDS: la.user.aadObjectId,
      PUSH_MAX_BATCH: '5000',
      TEAMS_SERVICE_URL: teams.serviceUrl,
      GRAPH_TENANT_ID: teams.tenantId,
      GRAPH_CLIENT_ID: GRAPH_CLIENT.clientId,
      GRAPH_CLIENT_SECRET: GRAPH_CLIENT.clientSecret,
      GRAPH_LOGIN_URL: graph.loginUrl,
      GRAPH_BASE_URL: graph.graphUrl,
      GRAPH_INSTALL_APP: 'false',
      LOG_LEVEL: 'warn',
      ...(options.tenantPerSecond !== undefined ? { DELIVERY_TENANT_PER_SECOND: String(options.tenantPerSecond) } : {}),
    }),
    startBot: (env = {}, overrides = {}) => startBot({ ...rig.env(), ...env }, overrides),
    addStarters: (count) => Array.from({ length: count }, (_, i) => addUser(`Starter ${i + 1}`)),
    lastPushId: () => lastPushId,
    async press(bot, data) {
      const res = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, la.who, la.conversationId, { verb: data.verb, data: data as JsonObject }));
      return cardText((res.body as { value?: unknown } | undefined)?.value);
    },
    async push(bot, starters) {
      let summary = '';
      for (let i = 0; i < starters.length; i += 400) {
        const addresses = starters
          .slice(i, i + 400)
          .map((s) => s.upn)
          .join('\n');
        const res = await postActivity(
          bot.messagesUrl,
          adaptiveCardAction(scene, la.who, la.conversationId, { verb: 'push', data: { verb: 'push', addresses } }),
        );
        if (res.status !== 200) throw new Error(`push answered ${res.status}`);
        const card = (res.body as { value?: unknown } | undefined)?.value;
        summary = cardText(card);
        const refresh = buttons(card).find((b) => b.verb === 'pushStatus');
        if (typeof refresh?.data.pushId === 'string') lastPushId = refresh.data.pushId;
      }
      return summary;
    },
    welcomes: welcomeCount,
    tally(starters) {
      const counts = starters.map(welcomeCount);
      return { delivered: counts.filter((c) => c === 1).length, lost: counts.filter((c) => c === 0).length, duplicated: counts.filter((c) => c > 1).length };
    },
    async close() {
      await graph.close();
      await teams.close();
    },
  };
  return rig;
}
