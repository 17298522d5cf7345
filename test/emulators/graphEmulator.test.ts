import { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions, type GraphUser } from '../helpers/graphEmulator';

const CLIENT = { clientId: '00000000-0000-0000-0000-00000000b07a', clientSecret: 'right-secret' };
const TEAMS_APP_ID = 'c1a1b2c3-0000-4000-8000-000000000001';
const megan: GraphUser = {
  id: '7faf8ab2-3d56-4244-b585-20c8a42ed2b8',
  displayName: 'Megan Bowen',
  userPrincipalName: 'Megan.Bowen@nhs.net',
  mail: 'megan.bowen@nhs.net',
};
const alex: GraphUser = {
  id: 'b9c4e6a2-5c2d-4f8e-9d71-2a3b4c5d6e7f',
  displayName: 'Alex Wilber',
  userPrincipalName: 'alex.wilber@nhs.net',
  mail: 'alex.wilber@nhs.net',
};

async function withGraph(options: GraphEmulatorOptions, run: (graph: GraphEmulator, token: string) => Promise<void>): Promise<void> {
  const graph = await startGraphEmulator({ clients: [CLIENT], catalogAppIds: [TEAMS_APP_ID], ...options });
  try {
    graph.addUser(megan);
    graph.addUser(alex);
    const token = await fetchToken(graph, CLIENT.clientSecret);
    await run(graph, token);
  } finally {
    await graph.close();
  }
}

async function tokenResponse(graph: GraphEmulator, secret: string, scope = 'https://graph.microsoft.com/.default'): Promise<Response> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: secret, scope });
  return fetch(graph.tokenUrl, { method: 'POST', body });
}

async function fetchToken(graph: GraphEmulator, secret: string): Promise<string> {
  const res = await tokenResponse(graph, secret);
  return ((await res.json()) as { access_token: string }).access_token;
}

const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const postJson = (url: string, token: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const installBody = { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${TEAMS_APP_ID}` };

describe('Graph emulator: token endpoint', () => {
  it('issues client-credentials tokens and refuses a wrong secret with an AADSTS error', async () => {
    await withGraph({}, async (graph) => {
      const ok = await tokenResponse(graph, CLIENT.clientSecret);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3599, access_token: expect.any(String) });
      const bad = await tokenResponse(graph, 'wrong');
      expect(bad.status).toBe(401);
      expect(await bad.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
      const badScope = await tokenResponse(graph, CLIENT.clientSecret, 'https://graph.microsoft.com/User.Read');
      expect(badScope.status).toBe(400);
    });
  });
});

describe('Graph emulator: users', () => {
  it('requires a Graph bearer token', async () => {
    await withGraph({}, async (graph) => {
      const none = await get(`${graph.graphUrl}/users/${megan.id}`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
      const botToken = graph.issueToken(CLIENT.clientId, 'https://api.botframework.com/.default').token;
      expect((await get(`${graph.graphUrl}/users/${megan.id}`, botToken)).status).toBe(401);
    });
  });

  it('finds a user by id or case-insensitive UPN, and answers 404 Request_ResourceNotFound otherwise', async () => {
    await withGraph({}, async (graph, token) => {
      const byUpn = await get(`${graph.graphUrl}/users/MEGAN.BOWEN@NHS.NET`, token);
      expect(byUpn.status).toBe(200);
      expect(await byUpn.json()).toMatchObject({ id: megan.id, displayName: 'Megan Bowen', userPrincipalName: megan.userPrincipalName, mail: megan.mail });
      const selected = (await (await get(`${graph.graphUrl}/users/${megan.id}?$select=id,mail`, token)).json()) as Record<string, unknown>;
      expect(selected['displayName']).toBeUndefined();
      expect(selected['mail']).toBe(megan.mail);
      const unknown = await get(`${graph.graphUrl}/users/nobody@nhs.net`, token);
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('Request_ResourceNotFound');
    });
  });

  it('finds a user by mail through $filter', async () => {
    await withGraph({}, async (graph, token) => {
      const res = await get(`${graph.graphUrl}/users?$filter=${encodeURIComponent("mail eq 'ALEX.WILBER@nhs.net'")}`, token);
      expect(((await res.json()) as { value: Array<{ id: string }> }).value.map((u) => u.id)).toEqual([alex.id]);
    });
  });
});

describe('Graph emulator: app installation', () => {
  it('installs with 201, calls the install hook, then answers 409 when already installed', async () => {
    const installed: string[] = [];
    await withGraph({ onInstall: (user) => void installed.push(user.userPrincipalName) }, async (graph, token) => {
      const first = await postJson(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps`, token, installBody);
      expect(first.status).toBe(201);
      expect(await first.text()).toBe('');
      await graph.idle();
      expect(installed).toEqual([megan.userPrincipalName]);
      const again = await postJson(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps`, token, installBody);
      expect(again.status).toBe(409);
      expect(graph.isInstalled(megan.id, TEAMS_APP_ID)).toBe(true);
      const list = await get(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps?$expand=teamsAppDefinition`, token);
      const value = ((await list.json()) as { value: Array<{ id: string; teamsAppDefinition: { teamsAppId: string } }> }).value;
      expect(value.map((v) => v.teamsAppDefinition.teamsAppId)).toEqual([TEAMS_APP_ID]);
      const chat = await get(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps/${value[0]?.id ?? ''}/chat`, token);
      expect(((await chat.json()) as { id: string }).id).toMatch(/^19:/);
    });
  });

  it('answers 404 for an app not in the catalog and 403 for a user who never signed in to Teams', async () => {
    await withGraph({}, async (graph, token) => {
      const notInCatalog = await postJson(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps`, token, {
        'teamsApp@odata.bind': 'https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/not-there',
      });
      expect(notInCatalog.status).toBe(404);
      graph.setTeamsSignedIn(alex.id, false);
      const neverSignedIn = await postJson(`${graph.graphUrl}/users/${alex.id}/teamwork/installedApps`, token, installBody);
      expect(neverSignedIn.status).toBe(403);
      expect(graph.isInstalled(alex.id, TEAMS_APP_ID)).toBe(false);
    });
  });

  it('answers an injected 429 with Retry-After, then succeeds', async () => {
    await withGraph({}, async (graph, token) => {
      graph.failNext({ status: 429, retryAfter: 2, match: { path: '/installedApps' } });
      const throttled = await postJson(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps`, token, installBody);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('2');
      expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
      expect((await postJson(`${graph.graphUrl}/users/${megan.id}/teamwork/installedApps`, token, installBody)).status).toBe(201);
      expect(graph.requests.filter((r) => r.path.endsWith('/installedApps')).map((r) => r.status)).toEqual([429, 201]);
    });
  });
});

describe('Graph emulator: groups', () => {
  it('lists group members page by page and checks membership with checkMemberGroups', async () => {
    await withGraph({}, async (graph, token) => {
      const la = 'aa000000-0000-4000-8000-00000000001a';
      graph.addGroup(la, [megan.id, alex.id], 'Local Administrators');
      const page1 = (await (await get(`${graph.graphUrl}/groups/${la}/members?$top=1`, token)).json()) as {
        value: Array<{ id: string }>;
        '@odata.nextLink'?: string;
      };
      expect(page1.value.map((m) => m.id)).toEqual([megan.id]);
      const page2 = (await (await get(page1['@odata.nextLink'] ?? '', token)).json()) as { value: Array<{ id: string }>; '@odata.nextLink'?: string };
      expect(page2.value.map((m) => m.id)).toEqual([alex.id]);
      expect(page2['@odata.nextLink']).toBeUndefined();

      const check = await postJson(`${graph.graphUrl}/users/${megan.id}/checkMemberGroups`, token, { groupIds: [la, 'bb000000-0000-4000-8000-00000000002b'] });
      expect(await check.json()).toMatchObject({ value: [la] });
      const missing = await get(`${graph.graphUrl}/groups/cc000000-0000-4000-8000-00000000003c/members`, token);
      expect(missing.status).toBe(404);
    });
  });
});
