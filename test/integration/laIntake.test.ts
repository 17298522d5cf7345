/**
 * Issue 15, items 3-5, through the real server: an LA resends a push to the starters it did not reach (chat card
 * and API), filters their intake by push and progress (chat and API), exports it as CSV (LAs only, audited), finds
 * their commands on the help card (and once at first contact), and a starter's "who is my LA" names the LA who
 * sent them the welcome.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import { startGraphEmulator, type GraphEmulator } from '../helpers/graphEmulator';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';
import type { TeamsEmulator, TeamsUser } from '../helpers/teamsEmulator';

const AUDIENCE = 'api://welcome.test/00000000-0000-0000-0000-00000000b07a';
const CATALOG_APP_ID = 'c0ffee00-0000-4000-8000-00000000a11a';
const GRAPH_CLIENT = { clientId: 'graph-client-id', clientSecret: 'graph-secret' };

let teams: TeamsEmulator;
let scene: TeamsScene;
let graph: GraphEmulator;
let identity: IdentityEmulator;
let bot: RunningBot;
let dataDir: string;
type Person = ReturnType<typeof newStarter>;
let la: Person;
let otherLa: Person;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  [graph, identity] = await Promise.all([
    startGraphEmulator({ tenantId: teams.tenantId, clients: [GRAPH_CLIENT], catalogAppIds: [CATALOG_APP_ID] }),
    startIdentityEmulator(),
  ]);
  la = newStarter(teams, 'Jane Smith');
  otherLa = newStarter(teams, 'Omar Khan');
  dataDir = tempDataDir();
  bot = await startBot({
    DATA_DIR: dataDir,
    LA_OBJECT_IDS: `${la.user.aadObjectId},${otherLa.user.aadObjectId}`,
    TEAMS_SERVICE_URL: teams.serviceUrl,
    TEAMS_CATALOG_APP_ID: CATALOG_APP_ID,
    GRAPH_TENANT_ID: teams.tenantId,
    GRAPH_CLIENT_ID: GRAPH_CLIENT.clientId,
    GRAPH_CLIENT_SECRET: GRAPH_CLIENT.clientSecret,
    GRAPH_LOGIN_URL: graph.loginUrl,
    GRAPH_BASE_URL: graph.graphUrl,
    ENTRA_TENANT_ID: teams.tenantId,
    API_AUDIENCES: AUDIENCE,
    ENTRA_ISSUERS: identity.entraIssuer(teams.tenantId),
    ENTRA_JWKS_URL: identity.jwksUri,
  });
});
afterAll(async () => {
  await bot?.close();
  await identity?.close();
  await graph?.close();
  await teams?.close();
});

/** A starter in Teams (app installed), and in the directory unless `inDirectory` is false. */
function starter(name: string, inDirectory = true): Person {
  const s = newStarter(teams, name);
  if (inDirectory) graph.addUser({ id: s.user.aadObjectId, displayName: name, userPrincipalName: s.user.upn, mail: s.user.upn });
  return s;
}

async function say(who: ActivityUser, conversationId: string, text: string): Promise<Record<string, unknown>> {
  await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, text));
  return cardOf(teams.sentTo(conversationId).at(-1)!)!;
}

async function press(person: Person, verb: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, person.who, person.conversationId, { verb, data: { verb, ...data } }));
  return (res.body as { value: Record<string, unknown> }).value;
}

function welcomes(conversationId: string): string[] {
  return teams
    .sentTo(conversationId)
    .map((a) => cardText(cardOf(a)))
    .filter((t) => t.includes('Welcome to NHSmail'));
}

function audit(): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function tokenFor(user: TeamsUser): string {
  return identity.entraToken({ tenantId: teams.tenantId, audience: AUDIENCE, oid: user.aadObjectId, upn: user.upn, name: user.name });
}

async function api(method: 'GET' | 'POST', path: string, user: TeamsUser): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${bot.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokenFor(user)}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Pushes from chat and resolves the push id from the summary card's Refresh button. */
async function pushFromChat(addresses: string[], by: Person = la): Promise<string> {
  const summary = await say(by.who, by.conversationId, `welcome ${addresses.join(', ')}`);
  const refresh = buttons(summary).find((b) => b.verb === 'pushStatus');
  return String(refresh?.data['pushId']);
}

describe('resending a push to those it did not reach', () => {
  it('resends from the summary card to the failed starter only, who is then welcomed once; the welcomed are never sent it again', async () => {
    const welcomed = starter('Priya Patel');
    const late = starter('Late Joiner', false); // not in the directory yet: "No account has this address"
    const pushId = await pushFromChat([welcomed.user.upn, late.user.upn]);
    await bot.app.deliveries.drain();
    expect(welcomes(welcomed.conversationId)).toHaveLength(1);
    expect(welcomes(late.conversationId)).toHaveLength(0);

    const before = await press(la, 'pushStatus', { pushId });
    expect(cardText(before)).toContain('1 starters have not got the welcome yet.');
    expect(buttons(before).map((b) => b.title)).toContain('Resend to those not reached');

    // The account now exists; the LA resends.
    graph.addUser({ id: late.user.aadObjectId, displayName: 'Late Joiner', userPrincipalName: late.user.upn, mail: late.user.upn });
    const answered = await press(la, 'pushResend', { pushId });
    expect(cardText(answered)).toContain('Sending the welcome again to 1 starters who had not got it.');
    await bot.app.deliveries.drain();

    expect(welcomes(late.conversationId)).toHaveLength(1);
    expect(welcomes(late.conversationId)[0]).toContain('Jane Smith, your Local Administrator, asked me to welcome you.');
    expect(welcomes(welcomed.conversationId)).toHaveLength(1);
    const after = await press(la, 'pushStatus', { pushId });
    expect(cardText(after)).toMatch(/Delivered: 2/);
    expect(buttons(after).map((b) => b.title)).not.toContain('Resend to those not reached');

    // A second press finds nobody to resend to, and sends nothing.
    const again = await press(la, 'pushResend', { pushId });
    expect(cardText(again)).toContain('Nothing to resend');
    await bot.app.deliveries.drain();
    expect(welcomes(late.conversationId)).toHaveLength(1);

    const resent = audit().filter((e) => e.event === 'push.resent' && e.pushId === pushId);
    expect(resent).toEqual([
      expect.objectContaining({ by: la.user.aadObjectId, via: 'chat', detail: '1 starters' }),
      expect.objectContaining({ by: la.user.aadObjectId, via: 'chat', detail: '0 starters' }),
    ]);
    expect(
      audit()
        .filter((e) => e.pushId === pushId && e.starter === late.user.upn)
        .map((e) => e.event),
    ).toEqual(['delivery.failed', 'delivery.delivered']);
  });

  it('resends through the API, only for the LA whose push it is; someone else gets 404, a non-LA 403 (audited)', async () => {
    const late = starter('Api Late', false);
    const pushId = await pushFromChat([late.user.upn]);
    await bot.app.deliveries.drain();

    expect((await api('POST', `/api/admin/pushes/${pushId}/resend`, otherLa.user)).status).toBe(404);
    // In chat, another LA's press on the card finds no push of theirs: the card is out of date, nothing is resent.
    const othersPress = cardText(await press(otherLa, 'pushResend', { pushId }));
    expect(othersPress).toContain('That card is out of date');
    expect(othersPress).not.toContain('Sending the welcome again');
    const someone = newStarter(teams, 'Not An Admin');
    expect((await api('POST', `/api/admin/pushes/${pushId}/resend`, someone.user)).status).toBe(403);
    expect(audit()).toContainEqual(expect.objectContaining({ event: 'push.refused', by: someone.user.aadObjectId, detail: 'resend' }));
    expect((await api('POST', '/api/admin/pushes/not%20a%20push/resend', la.user)).status).toBe(404);
    await bot.app.deliveries.drain();
    expect(welcomes(late.conversationId)).toHaveLength(0);

    graph.addUser({ id: late.user.aadObjectId, displayName: 'Api Late', userPrincipalName: late.user.upn, mail: late.user.upn });
    const res = await api('POST', `/api/admin/pushes/${pushId}/resend`, la.user);
    expect(res.status).toBe(202);
    expect(JSON.parse(res.text)).toEqual({ pushId, resent: [late.user.upn] });
    await bot.app.deliveries.drain();
    expect(welcomes(late.conversationId)).toHaveLength(1);
    expect(audit()).toContainEqual(expect.objectContaining({ event: 'push.resent', pushId, via: 'api', detail: '1 starters' }));
  });
});

describe('an LA’s view of an intake', () => {
  let pushA: string;
  let pushB: string;
  let notStarted: Person;
  let outstanding: Person;
  let finished: Person;
  let other: Person;

  beforeAll(async () => {
    notStarted = starter('Nia Start');
    outstanding = starter('Owen Going');
    finished = starter('Fay Done');
    other = starter('Olu Other');
    pushA = await pushFromChat([notStarted.user.upn, outstanding.user.upn, finished.user.upn], otherLa);
    pushB = await pushFromChat([other.user.upn], otherLa);
    await bot.app.deliveries.drain();
    const tick = async (p: Person, actionId: string): Promise<void> => {
      await postActivity(bot.messagesUrl, adaptiveCardAction(scene, p.who, p.conversationId, { verb: 'ack', data: { verb: 'ack', actionId, view: 'step' } }));
    };
    await tick(outstanding, 'account-secret');
    for (const id of ['account-secret', 'sspr-registration', 'uk-mobile-number']) await tick(finished, id);
  });

  it('filters “status” in chat by progress (typed) and by push (the card’s inputs)', async () => {
    const finishedCard = cardText(await say(otherLa.who, otherLa.conversationId, 'status finished'));
    expect(finishedCard).toContain('Showing: finished (every must-do action done).');
    expect(finishedCard).toContain(finished.user.upn);
    expect(finishedCard).not.toContain(outstanding.user.upn);

    const mustDo = cardText(await press(otherLa, 'laStatus', { push: pushA, progress: 'mustDoOutstanding' }));
    expect(mustDo).toContain(outstanding.user.upn);
    expect(mustDo).not.toContain(finished.user.upn);
    expect(mustDo).not.toContain(notStarted.user.upn);

    const notYet = cardText(await press(otherLa, 'laStatus', { push: pushA, progress: 'notStarted' }));
    expect(notYet).toContain(notStarted.user.upn);
    expect(notYet).not.toContain(other.user.upn);
    expect(notYet).not.toContain(outstanding.user.upn);

    const onlyB = cardText(await press(otherLa, 'laStatus', { push: pushB, progress: 'all' }));
    expect(onlyB).toContain(other.user.upn);
    expect(onlyB).not.toContain(notStarted.user.upn);
    // Jane's starters are not Omar's: her list is shown, without his starters in it.
    const janes = cardText(await press(la, 'laStatus', { push: pushA }));
    expect(janes).toContain('Your new starters');
    expect(janes).not.toContain(notStarted.user.upn);
  });

  it('filters the API by push and progress, and refuses a filter it does not know', async () => {
    const res = await api('GET', `/api/admin/starters?push=${pushA}&progress=finished`, otherLa.user);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { starters: { address: string }[]; pushes: { id: string; count: number }[] };
    expect(body.starters.map((s) => s.address)).toEqual([finished.user.upn]);
    expect(body.pushes.map((p) => [p.id, p.count])).toEqual([
      [pushB, 1],
      [pushA, 3],
    ]);
    expect((await api('GET', '/api/admin/starters?progress=everything', otherLa.user)).status).toBe(400);
    expect((await api('GET', '/api/admin/starters?push=../x', otherLa.user)).status).toBe(400);
  });

  it('exports the LA’s own starters as CSV (filtered), audited; a non-LA is refused and that is audited too', async () => {
    const res = await api('GET', `/api/admin/starters.csv?push=${pushA}`, otherLa.user);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="new-starters.csv"');
    const lines = res.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('"Address","Sent at","Must-do done","Actions done","Last seen","Status"');
    expect(lines.at(-1)).toBe('');
    const row = (p: Person): string[] => (lines.find((l) => l.startsWith(`"${p.user.upn}"`)) ?? '').slice(1, -1).split('","');
    expect(row(finished)).toEqual([
      finished.user.upn,
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      '3 of 3',
      '3 of 18',
      expect.stringMatching(/^\d{4}-/),
      'Welcome delivered',
    ]);
    expect(row(outstanding).slice(2, 4)).toEqual(['1 of 3', '1 of 18']);
    expect(row(notStarted).slice(2, 4)).toEqual(['0 of 3', '0 of 18']);
    expect(lines).toHaveLength(5); // header, three starters of push A, final CRLF
    expect(res.text).not.toContain(other.user.upn);

    // Another LA's export holds none of these starters (an export it is: its header row, and 200).
    const janesExport = await api('GET', '/api/admin/starters.csv', la.user);
    expect(janesExport.status).toBe(200);
    expect(janesExport.text).toMatch(/^"Address","Sent at"/);
    expect(janesExport.text).not.toContain(finished.user.upn);
    expect(audit()).toContainEqual(
      expect.objectContaining({ event: 'starters.exported', by: otherLa.user.aadObjectId, pushId: pushA, via: 'api', detail: '3 starters' }),
    );

    const someone = newStarter(teams, 'Curious Colleague');
    const refused = await api('GET', '/api/admin/starters.csv', someone.user);
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('@');
    expect(audit()).toContainEqual(expect.objectContaining({ event: 'push.refused', by: someone.user.aadObjectId, via: 'api', detail: 'export' }));
  });

  it('offers the CSV from chat as a link that opens the New starters tab with the same filter', async () => {
    const card = await press(otherLa, 'laStatus', { push: pushA, progress: 'finished' });
    const links: { title: string; url: string }[] = [];
    JSON.stringify(card, (_k, v: unknown) => {
      const o = v as { type?: string; title?: string; url?: string } | null;
      if (o && o.type === 'Action.OpenUrl') links.push({ title: String(o.title), url: String(o.url) });
      return v;
    });
    const exportLink = links.find((l) => l.title === 'Export as CSV');
    expect(exportLink).toBeDefined();
    const url = new URL(exportLink!.url);
    expect(`${url.origin}${url.pathname}`).toBe(`https://teams.microsoft.com/l/entity/${CATALOG_APP_ID}/starters`);
    expect(JSON.parse(url.searchParams.get('context') ?? '{}')).toEqual({ subEntityId: `push=${pushA}&progress=finished&export=csv` });
  });
});

describe('LAs find their commands', () => {
  it('gives an LA the LA help card once at first contact, and lists their commands on “help”; others see none of it', async () => {
    const newLaDir = tempDataDir();
    const fresh = newStarter(teams, 'Fresh Admin');
    const ownBot = await startBot({ DATA_DIR: newLaDir, LA_OBJECT_IDS: fresh.user.aadObjectId, TEAMS_SERVICE_URL: teams.serviceUrl, GRAPH_ENABLED: 'false' });
    try {
      await postActivity(ownBot.messagesUrl, personalInstall(scene, fresh.who, fresh.conversationId));
      await postActivity(ownBot.messagesUrl, personalInstall(scene, fresh.who, fresh.conversationId));
      const laCards = () =>
        teams
          .sentTo(fresh.conversationId)
          .map((a) => cardText(cardOf(a)))
          .filter((t) => t.includes('For Local Administrators'));
      expect(laCards()).toHaveLength(1);
      expect(laCards()[0]).toContain('welcome jane.doe@nhs.net, …');
      expect(laCards()[0]).toContain('status: your starters');
      expect(laCards()[0]).toContain('Resend:');
      expect(laCards()[0]).toContain('New starters tab:');
      expect(laCards()[0]).toContain('[See my starters]');

      await postActivity(ownBot.messagesUrl, personalMessage(scene, fresh.who, fresh.conversationId, 'help'));
      expect(laCards()).toHaveLength(2);

      const someone = newStarter(teams, 'Plain Starter');
      await postActivity(ownBot.messagesUrl, personalInstall(scene, someone.who, someone.conversationId));
      await postActivity(ownBot.messagesUrl, personalMessage(scene, someone.who, someone.conversationId, 'help'));
      const help = cardText(cardOf(teams.sentTo(someone.conversationId).at(-1)!));
      expect(help).toContain('How I can help');
      expect(help).not.toContain('Local Administrators');
      expect(
        teams
          .sentTo(someone.conversationId)
          .map((a) => cardText(cardOf(a)))
          .join('\n'),
      ).not.toContain('For Local Administrators');
    } finally {
      await ownBot.close();
    }
  });

  it('answers a starter’s “who is my LA” naming the LA who sent them the welcome first', async () => {
    const s = starter('Wendy Who');
    await pushFromChat([s.user.upn]);
    await bot.app.deliveries.drain();
    const answer = cardText(await say(s.who, s.conversationId, 'who is my la'));
    const lines = answer.split('\n');
    expect(lines[0]).toBe('Finding your Local Administrator');
    expect(lines[1]).toBe('Jane Smith sent you this welcome as your Local Administrator, so they are the first person to ask.');

    // Someone who found the bot themselves gets the general answer.
    const self = newStarter(teams, 'Self Starter');
    await postActivity(bot.messagesUrl, personalInstall(scene, self.who, self.conversationId));
    const general = cardText(await say(self.who, self.conversationId, 'who is my la'));
    expect(general).not.toContain('sent you this welcome');
    expect(general).toContain('Local Administrators (LAs) look after');
  });
});
