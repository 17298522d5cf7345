import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { personalInstall, postActivity, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import { startGraphEmulator } from '../helpers/graphEmulator';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';
import type { TeamsEmulator, TeamsUser } from '../helpers/teamsEmulator';

const AUDIENCE = 'api://welcome.test/00000000-0000-0000-0000-00000000b07a';

let teams: TeamsEmulator;
let scene: TeamsScene;
let identity: IdentityEmulator;
let bot: RunningBot;
let dataDir: string;
let la: TeamsUser;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  identity = await startIdentityEmulator();
  la = newStarter(teams, 'Jane Smith').user;
  dataDir = tempDataDir();
  bot = await startBot({
    DATA_DIR: dataDir,
    LA_OBJECT_IDS: la.aadObjectId,
    GRAPH_ENABLED: 'false',
    TEAMS_SERVICE_URL: teams.serviceUrl,
    ENTRA_TENANT_ID: teams.tenantId,
    API_AUDIENCES: AUDIENCE,
    ENTRA_ISSUERS: identity.entraIssuer(teams.tenantId),
    ENTRA_JWKS_URL: identity.jwksUri,
  });
});
afterAll(async () => {
  await bot.close();
  await identity.close();
  await teams.close();
});

function tokenFor(user: TeamsUser, overrides: Record<string, string> = {}, options: Parameters<IdentityEmulator['entraToken']>[1] = {}): string {
  return identity.entraToken({ tenantId: teams.tenantId, audience: AUDIENCE, oid: user.aadObjectId, upn: user.upn, name: user.name, ...overrides }, options);
}

async function api(
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${bot.baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the LA API', () => {
  it('refuses a missing, malformed, expired, foreign or wrongly addressed token with 401', async () => {
    const tokens: (string | undefined)[] = [
      undefined,
      'not-a-jwt',
      tokenFor(la, {}, { expiresIn: -3600 }),
      tokenFor(la, {}, { key: 'other' }),
      tokenFor(la, { audience: 'api://someone-else' }),
      tokenFor(la, {}, { alg: 'none' }),
    ];
    for (const token of tokens) {
      const res = await api('POST', '/api/admin/welcome', token, { addresses: ['a.b@nhs.net'] });
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.json)).not.toMatch(/at .*\.(js|ts):\d+/);
    }
  });

  it('refuses a token from another tenant', async () => {
    const res = await api('GET', '/api/admin/starters', tokenFor(la, { tenantId: '99999999-9999-9999-9999-999999999999' }));
    expect(res.status).toBe(401);
  });

  it('refuses someone who is not an LA with 403 and audits it', async () => {
    const someone = newStarter(teams, 'Someone Else').user;
    const res = await api('POST', '/api/admin/welcome', tokenFor(someone), { addresses: ['a.b@nhs.net'] });
    expect(res.status).toBe(403);
    const audit = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain(`"event":"push.refused","by":"${someone.aadObjectId}"`);
  });

  it('answers a bad body with 400 and says what to send', async () => {
    for (const body of [{}, { addresses: [] }, { addresses: 'x', extra: 1 }, { addresses: [42] }]) {
      const res = await api('POST', '/api/admin/welcome', tokenFor(la), body);
      expect(res.status).toBe(400);
      expect(res.json.message).toContain('addresses');
    }
    const noValid = await api('POST', '/api/admin/welcome', tokenFor(la), { addresses: ['someone@gmail.com', 'nonsense@'] });
    expect(noValid).toMatchObject({ status: 400, json: { code: 'NoValidAddresses', otherDomain: ['someone@gmail.com'], invalid: ['nonsense@'] } });
  });

  it('accepts a push from an LA (202) and lists the starters', async () => {
    const res = await api('POST', '/api/admin/welcome', tokenFor(la), { addresses: ['New.Starter@nhs.net', 'new.starter@nhs.net'] });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: ['new.starter@nhs.net'], duplicates: 1 });
    await bot.app.deliveries.drain();
    const list = await api('GET', '/api/admin/starters', tokenFor(la));
    expect(list.status).toBe(200);
    expect(list.json.starters).toEqual([
      expect.objectContaining({ address: 'new.starter@nhs.net', status: 'pendingFirstContact', statusText: 'Waiting for them to open the bot' }),
    ]);
  });
});

describe('the personal tab API', () => {
  it("reads the checklist for a user's own token, and refuses an app-only token (no user behind it) with 403", async () => {
    const starter = newStarter(teams, 'Pat Doe').user;
    const mine = await api('GET', '/api/me/checklist', tokenFor(starter));
    expect(mine.status).toBe(200);
    expect(mine.json).toMatchObject({ started: false, total: 18 });

    // What an automation gets from the client-credentials flow: the app's object id, roles, no scopes.
    const appOnly = identity.entraToken({
      tenantId: teams.tenantId,
      audience: AUDIENCE,
      oid: starter.aadObjectId,
      upn: starter.upn,
      scp: undefined,
      roles: ['Welcome.Read'],
    } as never);
    for (const [method, path, body] of [
      ['GET', '/api/me/checklist', undefined],
      ['POST', '/api/me/acknowledgements', { actionId: 'mfa', done: true }],
    ] as const) {
      const res = await api(method, path, appOnly, body);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ code: 'UserTokenRequired' });
    }
  });

  it("shows each signed-in user their own ticks, never another's", async () => {
    const [pat, lee] = [newStarter(teams, 'Pat Tab'), newStarter(teams, 'Lee Tab')];
    for (const s of [pat, lee]) await postActivity(bot.messagesUrl, personalInstall(scene, s.who, s.conversationId));
    const tick = async (s: typeof pat, actionId: string) => api('POST', '/api/me/acknowledgements', tokenFor(s.user), { actionId, done: true });
    expect((await tick(pat, 'account-secret')).json).toMatchObject({ started: true, done: 1 });
    expect((await tick(lee, 'mfa')).json).toMatchObject({ started: true, done: 1 });
    const doneIn = async (s: typeof pat): Promise<string[]> => {
      const { json } = await api('GET', '/api/me/checklist', tokenFor(s.user));
      const steps = json['steps'] as { actions: { id: string; doneAt: string | null }[] }[];
      return steps.flatMap((step) => step.actions.filter((a) => a.doneAt !== null).map((a) => a.id));
    };
    expect(await doneIn(pat)).toEqual(['account-secret']);
    expect(await doneIn(lee)).toEqual(['mfa']);
  });

  it('limits each signed-in user to 60 calls a minute, reads and ticks together', async () => {
    const someone = newStarter(teams, 'Tab Flood').user;
    const token = tokenFor(someone);
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await api('GET', '/api/me/checklist', token)).status);
    // Not started (no chat yet): a tick is answered 409, after the limit's count like any other call.
    for (let i = 0; i < 35; i++) statuses.push((await api('POST', '/api/me/acknowledgements', token, { actionId: 'mfa', done: true })).status);
    expect(statuses.slice(0, 35).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(35, 60).every((s) => s === 409)).toBe(true);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
    const over = await fetch(`${bot.baseUrl}/api/me/checklist`, { headers: { authorization: `Bearer ${token}` } });
    expect(over.headers.get('retry-after')).toBe('60');
    expect(await over.json()).toEqual({ code: 'TooManyRequests', message: 'Too many requests; try again in a minute.' });
    // Another user is not held back by the first one's flood.
    expect((await api('GET', '/api/me/checklist', tokenFor(newStarter(teams, 'Calm User').user))).status).toBe(200);
  });
});

describe('Entra rules: each of these tokens was accepted before, and is refused now', () => {
  it('refuses a token without exp', async () => {
    const res = await api('GET', '/api/admin/starters', tokenFor(la, { exp: undefined } as never));
    expect(res.status).toBe(401);
  });

  it("refuses a delegated token without this API's access_as_user scope", async () => {
    const res = await api('POST', '/api/admin/welcome', tokenFor(la, { scp: 'User.Read' }), { addresses: ['a.b@nhs.net'] });
    expect(res).toMatchObject({ status: 403, json: { code: 'InsufficientScope' } });
  });

  it('refuses an app-only token without the Starters.Welcome role, even for a listed object id, and audits it as an app', async () => {
    // What an automation gets from the client-credentials flow: no scopes, and here no role for this API.
    for (const roles of [[], ['Welcome.Read']]) {
      const appOnly = identity.entraToken({
        tenantId: teams.tenantId,
        audience: AUDIENCE,
        oid: la.aadObjectId,
        upn: la.upn,
        scp: undefined,
        idtyp: 'app',
        roles,
      } as never);
      const res = await api('POST', '/api/admin/welcome', appOnly, { addresses: ['app.push@nhs.net'] });
      expect({ roles, status: res.status }).toEqual({ roles, status: 403 });
    }
    const audit = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.filter((e) => e['event'] === 'push.refused' && e['by'] === la.aadObjectId).at(-1)).toMatchObject({
      byName: 'App-only caller (no signed-in user)',
      detail: 'push (app-only token)',
    });
  });

  it('accepts an app-only token with the Starters.Welcome role whose object id is listed', async () => {
    const appOnly = identity.entraToken({
      tenantId: teams.tenantId,
      audience: AUDIENCE,
      oid: la.aadObjectId,
      upn: la.upn,
      scp: undefined,
      idtyp: 'app',
      roles: ['Starters.Welcome'],
    } as never);
    const res = await api('POST', '/api/admin/welcome', appOnly, { addresses: ['automation.push@nhs.net'] });
    expect(res.status).toBe(202);
  });

  it('limits each caller to 60 calls a minute, before anything is audited', async () => {
    const someone = newStarter(teams, 'Flood Caller').user;
    const token = tokenFor(someone);
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await api('GET', '/api/admin/starters', token)).status);
    expect(statuses.slice(0, 60).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
    const audit = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8');
    expect(audit.split('\n').filter((l) => l.includes(`"by":"${someone.aadObjectId}"`))).toHaveLength(60);
    // Another caller is not held back by the first one's flood.
    expect((await api('GET', '/api/admin/starters', tokenFor(la))).status).toBe(200);
  });
});

describe('LA_UPNS: matched by the object id Graph gives, never by a UPN claim', () => {
  it('refuses a token whose preferred_username is an LA but whose oid is not, and accepts the LA', async () => {
    const graph = await startGraphEmulator({ tenantId: teams.tenantId });
    const upnLa = newStarter(teams, 'Upn Listed').user;
    graph.addUser({ id: upnLa.aadObjectId, displayName: upnLa.name, userPrincipalName: upnLa.upn, mail: upnLa.upn });
    const upnBot = await startBot({
      LA_UPNS: upnLa.upn,
      TEAMS_SERVICE_URL: teams.serviceUrl,
      GRAPH_TENANT_ID: teams.tenantId,
      GRAPH_CLIENT_ID: 'graph-client',
      GRAPH_CLIENT_SECRET: 'graph-secret',
      GRAPH_LOGIN_URL: graph.loginUrl,
      GRAPH_BASE_URL: graph.graphUrl,
      GRAPH_INSTALL_APP: 'false',
      ENTRA_TENANT_ID: teams.tenantId,
      API_AUDIENCES: AUDIENCE,
      ENTRA_ISSUERS: identity.entraIssuer(teams.tenantId),
      ENTRA_JWKS_URL: identity.jwksUri,
    });
    try {
      const impostor = newStarter(teams, 'Impostor').user;
      const call = (token: string): Promise<Response> => fetch(`${upnBot.baseUrl}/api/admin/starters`, { headers: { authorization: `Bearer ${token}` } });
      const forgedName = identity.entraToken({ tenantId: teams.tenantId, audience: AUDIENCE, oid: impostor.aadObjectId, upn: upnLa.upn, name: upnLa.name });
      expect((await call(forgedName)).status).toBe(403);
      const real = identity.entraToken({ tenantId: teams.tenantId, audience: AUDIENCE, oid: upnLa.aadObjectId, upn: 'someone.else@nhs.net' });
      expect((await call(real)).status).toBe(200);
    } finally {
      await upnBot.close();
      await graph.close();
    }
  });

  it('refuses to start with LA_UPNS and no Graph', async () => {
    await expect(startBot({ LA_UPNS: 'la@nhs.net', GRAPH_ENABLED: 'false' })).rejects.toThrow(/LA_UPNS/);
  });
});
