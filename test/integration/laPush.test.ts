import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { personalInstall, personalMessage, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import { startGraphEmulator, type GraphEmulator } from '../helpers/graphEmulator';
import { connectInstallFlow } from '../helpers/installFlow';
import type { TeamsEmulator, TeamsUser } from '../helpers/teamsEmulator';
import { adaptiveCardAction } from '../helpers/activities';

const CATALOG_APP_ID = 'c0ffee00-0000-4000-8000-00000000a11a';
const GRAPH_CLIENT = { clientId: 'graph-client-id', clientSecret: 'graph-secret' };

let teams: TeamsEmulator;
let scene: TeamsScene;
let graph: GraphEmulator;
let la: { user: TeamsUser; who: ActivityUser; conversationId: string };

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  graph = await startGraphEmulator({ tenantId: teams.tenantId, clients: [GRAPH_CLIENT], catalogAppIds: [CATALOG_APP_ID] });
  la = newStarter(teams, 'Jane Smith');
});
afterAll(async () => {
  await graph.close();
  await teams.close();
});

function baseEnv(dataDir: string, withGraph: boolean): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LA_OBJECT_IDS: la.user.aadObjectId,
    TEAMS_SERVICE_URL: teams.serviceUrl,
    TEAMS_CATALOG_APP_ID: CATALOG_APP_ID,
    ...(withGraph
      ? {
          GRAPH_TENANT_ID: teams.tenantId,
          GRAPH_CLIENT_ID: GRAPH_CLIENT.clientId,
          GRAPH_CLIENT_SECRET: GRAPH_CLIENT.clientSecret,
          GRAPH_LOGIN_URL: graph.loginUrl,
          GRAPH_BASE_URL: graph.graphUrl,
        }
      : { GRAPH_ENABLED: 'false' }),
  };
}

/** A starter who exists in the directory (Graph) and in Teams, with or without the app. */
function directoryStarter(name: string, installed: boolean): ReturnType<typeof newStarter> {
  const s = newStarter(teams, name);
  if (!installed) teams.uninstallApp(s.user);
  graph.addUser({ id: s.user.aadObjectId, displayName: name, userPrincipalName: s.user.upn, mail: s.user.upn });
  return s;
}

async function say(bot: RunningBot, who: ActivityUser, conversationId: string, text: string): Promise<string> {
  await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, text));
  return cardText(cardOf(teams.sentTo(conversationId).at(-1)!));
}

function welcomeText(conversationId: string): string[] {
  return teams
    .sentTo(conversationId)
    .map((a) => cardText(cardOf(a)))
    .filter((t) => t.includes('Welcome to NHSmail'));
}

function auditLines(dataDir: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('Local Administrators push the welcome journey', () => {
  it('reaches a starter with the app, one without it (installed through Graph), and reports an unknown address', async () => {
    const dataDir = tempDataDir();
    const bot = await startBot(baseEnv(dataDir, true));
    connectInstallFlow({ graph, teams, botUrl: bot.messagesUrl });
    try {
      await postActivity(bot.messagesUrl, personalInstall(scene, la.who, la.conversationId));
      const withApp = directoryStarter('Priya Patel', true);
      await postActivity(bot.messagesUrl, personalInstall(scene, withApp.who, withApp.conversationId));
      const withoutApp = directoryStarter('Tom Evans', false);

      const summary = await say(bot, la.who, la.conversationId, `welcome ${withApp.user.upn}, ${withoutApp.user.upn}\nnobody.here@nhs.net`);
      expect(summary).toContain('Welcome journey: 3 starters');
      await bot.app.deliveries.drain();
      await graph.idle();

      // The starter who had installed the app themselves keeps their one welcome.
      expect(welcomeText(withApp.conversationId)).toHaveLength(1);
      // The other gets the app installed, then the welcome, naming the LA.
      expect(graph.isInstalled(withoutApp.user.aadObjectId, CATALOG_APP_ID)).toBe(true);
      const welcomes = welcomeText(withoutApp.conversationId);
      expect(welcomes).toHaveLength(1);
      expect(welcomes[0]).toContain('Jane Smith, your Local Administrator, asked me to welcome you.');

      const refreshed = await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, la.who, la.conversationId, { verb: 'laStatus', data: { verb: 'laStatus' } }),
      );
      const status = cardText((refreshed.body as { value: unknown }).value);
      expect(status).toContain(`${withApp.user.upn}\nAlready had the welcome`);
      expect(status).toContain(`${withoutApp.user.upn}\nWelcome delivered`);
      expect(status).toContain('nobody.here@nhs.net\nNot delivered: No account has this address.');
      expect(status).toMatch(/0 of 18 actions done\. Must-do actions: 0 of 3 \(not all done\)/);

      const events = auditLines(dataDir).map((e) => `${String(e.event)} ${String(e.starter ?? '')}`);
      expect(events).toEqual(
        expect.arrayContaining([
          'push.requested ',
          `delivery.alreadyWelcomed ${withApp.user.upn}`,
          `delivery.waitingForInstall ${withoutApp.user.upn}`,
          `delivery.deliveredOnFirstContact ${withoutApp.user.upn}`,
          'delivery.failed nobody.here@nhs.net',
        ]),
      );
    } finally {
      graph.onInstall(undefined);
      await bot.close();
    }
  });

  it('keeps the welcome pending without Graph and delivers it the first time the starter opens the bot', async () => {
    const dataDir = tempDataDir();
    const bot = await startBot(baseEnv(dataDir, false));
    try {
      const starter = newStarter(teams, 'Ola Nowak');
      teams.uninstallApp(starter.user);
      await say(bot, la.who, la.conversationId, `welcome ${starter.user.upn}`);
      await bot.app.deliveries.drain();
      expect(teams.sentTo(starter.conversationId)).toHaveLength(0);

      teams.installApp(starter.user);
      await postActivity(bot.messagesUrl, personalInstall(scene, starter.who, starter.conversationId));
      const welcomes = welcomeText(starter.conversationId);
      expect(welcomes).toHaveLength(1);
      expect(welcomes[0]).toContain('Jane Smith, your Local Administrator, asked me to welcome you.');
      const events = auditLines(dataDir).map((e) => String(e.event));
      expect(events).toEqual(expect.arrayContaining(['delivery.pendingFirstContact', 'delivery.deliveredOnFirstContact']));
    } finally {
      await bot.close();
    }
  });

  it('opens the chat of a starter who never wrote with the welcome as its first message: one Teams call, and their first tick continues it', async () => {
    const dataDir = tempDataDir();
    const bot = await startBot(baseEnv(dataDir, true));
    try {
      const starter = directoryStarter('Sam Roe', true);
      const before = teams.requests.length;
      await say(bot, la.who, la.conversationId, `welcome ${starter.user.upn}`);
      await bot.app.deliveries.drain();

      // One call reached Teams for this starter: the chat's creation, carrying the welcome. No member look-up.
      const calls = teams.requests.slice(before).filter((r) => !decodeURIComponent(r.path).includes(la.conversationId));
      expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201']);
      const create = calls[0]?.body as { members: { id: string }[]; activity: { attachments: { content: Record<string, unknown> }[] } };
      expect(create.members).toEqual([expect.objectContaining({ id: starter.user.aadObjectId })]);
      const welcomes = welcomeText(starter.conversationId);
      expect(welcomes).toHaveLength(1);
      expect(welcomes[0]).toContain('Jane Smith, your Local Administrator, asked me to welcome you.');
      // Teams ids (29:…) are not known yet, so the card names nobody to refresh for; in a 1:1 chat it refreshes anyway.
      const sent = create.activity.attachments[0]?.content ?? {};
      expect(sent['refresh']).toEqual(expect.objectContaining({ action: expect.objectContaining({ verb: 'refresh' }) }));
      expect(sent['refresh']).not.toHaveProperty('userIds');

      // The starter ticks an action on that card: the journey the LA started goes on, and now names them.
      const ticked = await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, starter.who, starter.conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'account-secret', view: 'step' } }),
      );
      const card = (ticked.body as { value: Record<string, unknown> }).value;
      expect(cardText(card)).toContain('1 of 18 actions done');
      expect((card['refresh'] as { userIds?: string[] }).userIds).toEqual([starter.who.userId]);
      // Their app's install event arriving late does not welcome them twice.
      await postActivity(bot.messagesUrl, personalInstall(scene, starter.who, starter.conversationId));
      expect(welcomeText(starter.conversationId)).toHaveLength(1);

      const status = await say(bot, la.who, la.conversationId, 'status');
      expect(status).toContain(`${starter.user.upn}\nWelcome delivered`);
      expect(status).toMatch(/1 of 18 actions done\. Must-do actions: 1 of 3/);
    } finally {
      await bot.close();
    }
  });

  it('still delivers the welcome, with a second call, when Teams opens the chat without posting the card', async () => {
    const bot = await startBot(baseEnv(tempDataDir(), true));
    teams.postCreateActivities(false);
    try {
      const starter = directoryStarter('Ade Bello', true);
      const before = teams.requests.length;
      await say(bot, la.who, la.conversationId, `welcome ${starter.user.upn}`);
      await bot.app.deliveries.drain();
      const calls = teams.requests.slice(before).filter((r) => !decodeURIComponent(r.path).includes(la.conversationId));
      expect(calls.map((r) => `${r.method} ${decodeURIComponent(r.path).includes('/activities') ? 'send' : 'create'} ${r.status}`)).toEqual([
        'POST create 201',
        'POST send 201',
      ]);
      expect(welcomeText(starter.conversationId)).toHaveLength(1);
    } finally {
      teams.postCreateActivities(true);
      await bot.close();
    }
  });

  it('does not re-welcome on a second push, and tells the LA', async () => {
    const bot = await startBot(baseEnv(tempDataDir(), true));
    try {
      const starter = directoryStarter('Kim Lee', true);
      await say(bot, la.who, la.conversationId, `welcome ${starter.user.upn}`);
      await bot.app.deliveries.drain();
      await say(bot, la.who, la.conversationId, `welcome ${starter.user.upn}`);
      await bot.app.deliveries.drain();
      expect(welcomeText(starter.conversationId)).toHaveLength(1);
      const status = await say(bot, la.who, la.conversationId, 'status');
      expect(status).toContain(`${starter.user.upn}\nAlready had the welcome`);
    } finally {
      await bot.close();
    }
  });

  it('refuses someone who is not an LA, politely, and audits the refusal', async () => {
    const dataDir = tempDataDir();
    const bot = await startBot(baseEnv(dataDir, true));
    try {
      const intruder = newStarter(teams, 'Not An Admin');
      const victim = directoryStarter('Victim', true);
      const reply = await say(bot, intruder.who, intruder.conversationId, `welcome ${victim.user.upn}`);
      expect(reply).toContain('Only Local Administrators can do that');
      await bot.app.deliveries.drain();
      expect(welcomeText(victim.conversationId)).toHaveLength(0);
      const refusal = auditLines(dataDir).find((e) => e.event === 'push.refused');
      expect(refusal).toMatchObject({ by: intruder.user.aadObjectId, via: 'chat' });
      // "welcome" and "status" keep their everyday meaning for everyone else.
      expect(await say(bot, intruder.who, intruder.conversationId, 'status')).toContain('Your welcome checklist');
    } finally {
      await bot.close();
    }
  });

  it('gives LAs a form card that pushes from its multi-line box', async () => {
    const bot = await startBot(baseEnv(tempDataDir(), true));
    try {
      const form = await say(bot, la.who, la.conversationId, 'welcome');
      expect(form).toContain('Send the welcome journey to new starters');
      const send = buttons(cardOf(teams.sentTo(la.conversationId).at(-1)!)).find((b) => b.title === 'Send the welcome')!;
      const a = directoryStarter('Ana Silva', true);
      const b = directoryStarter('Ben Okafor', true);
      const res = await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, la.who, la.conversationId, {
          verb: 'push',
          data: { ...send.data, addresses: `${a.user.upn}\n${b.user.upn}\n${a.user.upn}` },
        }),
      );
      const text = cardText((res.body as { value: unknown }).value);
      expect(text).toContain('Welcome journey: 2 starters');
      expect(text).toContain('1 repeated addresses were sent only once.');
      await bot.app.deliveries.drain();
      expect(welcomeText(a.conversationId)).toHaveLength(1);
      expect(welcomeText(b.conversationId)).toHaveLength(1);
    } finally {
      await bot.close();
    }
  });
});
