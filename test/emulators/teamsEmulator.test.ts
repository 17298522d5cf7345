import { ConnectorClient, TokenCredentials } from 'botframework-connector';
import { manualClock, type ManualClock } from '../helpers/loopback';
import { startGraphEmulator } from '../helpers/graphEmulator';
import { startTeamsEmulator, type TeamsEmulator, type TeamsEmulatorOptions, type TeamsUser } from '../helpers/teamsEmulator';

const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

const megan: TeamsUser = {
  aadObjectId: '7faf8ab2-3d56-4244-b585-20c8a42ed2b8',
  userId: '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw',
  upn: 'Megan.Bowen@nhs.net',
  name: 'Megan Bowen',
};
const alex: TeamsUser = {
  aadObjectId: 'b9c4e6a2-5c2d-4f8e-9d71-2a3b4c5d6e7f',
  userId: '29:1GcS4EyB_oSI8A88XmWBN7NJFyMqe3QGnJdgLfFGkJnVelzRGos0bPbpsfJjcbAD22bmKc4GMbrY2g4JDrrA8vM06X1',
  upn: 'alex.wilber@nhs.net',
  name: 'Alex Wilber',
};

async function withTeams(options: TeamsEmulatorOptions, run: (teams: TeamsEmulator) => Promise<void>): Promise<void> {
  const teams = await startTeamsEmulator(options);
  try {
    teams.addUser(megan);
    teams.addUser(alex);
    await run(teams);
  } finally {
    await teams.close();
  }
}

function createBody(teams: TeamsEmulator, memberId: string): string {
  return JSON.stringify({
    isGroup: false,
    bot: { id: teams.botId },
    members: [{ id: memberId }],
    tenantId: teams.tenantId,
    channelData: { tenant: { id: teams.tenantId } },
  });
}

async function post(url: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const message = (text: string) => ({ type: 'message', text });

describe('Teams emulator: conversations', () => {
  it('creates the same 1:1 conversation for a user who has the app, by aadObjectId or 29: id', async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan.upn);
      const byAad = await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, megan.aadObjectId));
      const byUserId = await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, megan.userId));
      expect(byAad.status).toBe(201);
      const a = (await byAad.json()) as { id: string };
      const b = (await byUserId.json()) as { id: string };
      expect(a.id).toMatch(/^a:/);
      expect(b.id).toBe(a.id);
      expect(a.id).toBe(teams.personalConversationId(megan));
      expect(teams.conversations.map((c) => c.user.upn)).toEqual([megan.upn, megan.upn]);
    });
  });

  it("posts the activity given with a creation as the chat's first message, in the same call; refuses one over 100 KB", async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan.upn);
      const body = JSON.parse(createBody(teams, megan.aadObjectId)) as Record<string, unknown>;
      const res = await post(`${teams.serviceUrl}v3/conversations`, { ...body, activity: message('Welcome') });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; activityId: string };
      expect(teams.sentTo(created.id).map((a) => [a.activityId, a.activity['text']])).toEqual([[created.activityId, 'Welcome']]);
      expect(teams.requests).toHaveLength(1);

      const big = await post(`${teams.serviceUrl}v3/conversations`, { ...body, activity: message('x'.repeat(101 * 1024)) });
      expect(big.status).toBe(413);
      expect(teams.sentTo(created.id)).toHaveLength(1);
    });
  });

  it("fails the creation of one member's chat when a fault names that member", async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan.upn);
      teams.installApp(alex.upn);
      teams.failNext({ status: 503, match: { member: megan.aadObjectId } });
      expect((await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, alex.aadObjectId))).status).toBe(201);
      expect((await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, megan.aadObjectId.toUpperCase()))).status).toBe(503);
      expect((await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, megan.aadObjectId))).status).toBe(201);
    });
  });

  it("answers 403 with Teams' not-installed body for a user without the app", async () => {
    await withTeams({}, async (teams) => {
      const res = await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, alex.aadObjectId));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: 'ForbiddenOperationException', message: "Bot is not installed in user's personal scope" },
      });
    });
  });

  it('refuses an email or UPN as member id, as Teams does', async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan);
      const res = await post(`${teams.serviceUrl}v3/conversations`, createBody(teams, megan.upn));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BadSyntax');
    });
  });

  it('answers 403 BotNotInConversationRoster when sending to the chat of a user who uninstalled', async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan);
      const id = teams.personalConversationId(megan);
      expect((await post(`${teams.serviceUrl}v3/conversations/${encodeURIComponent(id)}/activities`, message('hi'))).status).toBe(201);
      teams.uninstallApp(megan);
      const res = await post(`${teams.serviceUrl}v3/conversations/${encodeURIComponent(id)}/activities`, message('hi again'));
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BotNotInConversationRoster');
      expect(teams.sentTo(megan).map((a) => a.activity['text'])).toEqual(['hi']);
    });
  });

  it('answers 404 ConversationNotFound for a deleted conversation', async () => {
    await withTeams({}, async (teams) => {
      teams.deleteConversation('a:gone');
      const res = await post(`${teams.serviceUrl}v3/conversations/a:gone/activities`, message('hi'));
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ConversationNotFound');
    });
  });
});

describe('Teams emulator: activities', () => {
  it('records sends, replies and updates with the ids it gave', async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan);
      const conv = encodeURIComponent(teams.personalConversationId(megan));
      const sent = (await (await post(`${teams.serviceUrl}v3/conversations/${conv}/activities`, message('one'))).json()) as { id: string };
      const reply = await post(`${teams.serviceUrl}v3/conversations/${conv}/activities/${sent.id}`, message('two'));
      expect(reply.status).toBe(201);
      const update = await fetch(`${teams.serviceUrl}v3/conversations/${conv}/activities/${sent.id}`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify(message('one, edited')),
      });
      expect(update.status).toBe(200);
      expect(await update.json()).toEqual({ id: sent.id });
      const missing = await fetch(`${teams.serviceUrl}v3/conversations/${conv}/activities/999`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify(message('nope')),
      });
      expect(missing.status).toBe(404);
      expect(teams.activities.map((a) => [a.kind, a.activity['text']])).toEqual([
        ['send', 'one'],
        ['reply', 'two'],
        ['update', 'one, edited'],
      ]);
      expect(teams.requests[0]?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    });
  });

  it('resolves waitFor when a matching activity arrives later', async () => {
    await withTeams({}, async (teams) => {
      const waiting = teams.waitFor((a) => a.activity['text'] === 'later', 1500);
      await post(`${teams.serviceUrl}v3/conversations/19:chan@thread.tacv2/activities`, message('later'));
      await expect(waiting).resolves.toMatchObject({ conversationId: '19:chan@thread.tacv2', kind: 'send' });
      await expect(teams.waitFor((a) => a.activity['text'] === 'never', 50)).rejects.toThrow(/no matching activity/);
    });
  });

  it('answers 413 MessageSizeTooBig for an activity over 100 KB', async () => {
    await withTeams({}, async (teams) => {
      const res = await post(`${teams.serviceUrl}v3/conversations/19:chan@thread.tacv2/activities`, message('x'.repeat(101 * 1024)));
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MessageSizeTooBig');
      expect(teams.activities).toHaveLength(0);
    });
  });

  it('returns TeamsChannelAccount members, one by id or UPN, and 404 MemberNotFoundInConversation', async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan);
      const conv = encodeURIComponent(teams.personalConversationId(megan));
      const one = await fetch(`${teams.serviceUrl}v3/conversations/${conv}/members/${encodeURIComponent(megan.userId)}`, { headers: auth });
      expect(await one.json()).toMatchObject({
        id: megan.userId,
        name: 'Megan Bowen',
        aadObjectId: megan.aadObjectId,
        userPrincipalName: megan.upn,
        email: megan.upn,
        tenantId: teams.tenantId,
        userRole: 'user',
      });
      const byUpn = await fetch(`${teams.serviceUrl}v3/conversations/${conv}/members/megan.bowen@nhs.net`, { headers: auth });
      expect(byUpn.status).toBe(200);
      const other = await fetch(`${teams.serviceUrl}v3/conversations/${conv}/members/${encodeURIComponent(alex.userId)}`, { headers: auth });
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('MemberNotFoundInConversation');
      const paged = await fetch(`${teams.serviceUrl}v3/conversations/19:team@thread.tacv2/pagedmembers?pageSize=1`, { headers: auth });
      const page = (await paged.json()) as { members: unknown[]; continuationToken?: string };
      expect(page.members).toHaveLength(1);
      expect(page.continuationToken).toBeDefined();
    });
  });
});

describe('Teams emulator: rate limits', () => {
  it('answers the 8th send in a second with 429 and a Retry-After that, honoured, succeeds', async () => {
    const clock: ManualClock = manualClock(1_700_000_000_000);
    await withTeams({ clock }, async (teams) => {
      const url = `${teams.serviceUrl}v3/conversations/19:chan@thread.tacv2/activities`;
      for (let i = 0; i < 7; i += 1) {
        expect((await post(url, message(`m${i}`))).status).toBe(201);
        clock.advance(10);
      }
      const throttled = await post(url, message('m7'));
      expect(throttled.status).toBe(429);
      const retryAfter = Number(throttled.headers.get('retry-after'));
      expect(retryAfter).toBe(1);
      expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe('Throttled');
      clock.advance(retryAfter * 1000);
      expect((await post(url, message('m7'))).status).toBe(201);
      expect(teams.activities).toHaveLength(8);
    });
  });

  it('gives a Retry-After of the real remaining window (the 30 s window after 60 sends)', async () => {
    const clock = manualClock(1_700_000_000_000);
    await withTeams({ clock }, async (teams) => {
      const url = `${teams.serviceUrl}v3/conversations/19:chan@thread.tacv2/activities`;
      for (let i = 0; i < 60; i += 1) {
        expect((await post(url, message(`m${i}`))).status).toBe(201);
        clock.advance(300); // 60 sends over 18 s: within 7/1 s and 8/2 s
      }
      const throttled = await post(url, message('too many'));
      expect(throttled.status).toBe(429);
      // The first send ages out of the 30 s window 12 s from now.
      expect(throttled.headers.get('retry-after')).toBe('12');
    });
  });

  it('limits each conversation separately and the tenant as a whole', async () => {
    const clock = manualClock(1_700_000_000_000);
    await withTeams({ clock, tenantPerSecond: 10 }, async (teams) => {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i += 1) {
        statuses.push((await post(`${teams.serviceUrl}v3/conversations/19:c${i % 2}@thread.tacv2/activities`, message('x'))).status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
      expect(statuses[10]).toBe(429);
    });
  });
});

describe('Teams emulator: faults and auth', () => {
  it('fails the next matching request once with the given code, then behaves', async () => {
    await withTeams({}, async (teams) => {
      teams.failNext({
        status: 403,
        code: 'ConversationBlockedByUser',
        message: 'User blocked the conversation with the bot.',
        match: { conversationId: 'a:blocked' },
      });
      const other = await post(`${teams.serviceUrl}v3/conversations/a:other/activities`, message('hi'));
      expect(other.status).toBe(201);
      const blocked = await post(`${teams.serviceUrl}v3/conversations/a:blocked/activities`, message('hi'));
      expect(blocked.status).toBe(403);
      expect(await blocked.json()).toEqual({ error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } });
      expect((await post(`${teams.serviceUrl}v3/conversations/a:blocked/activities`, message('hi'))).status).toBe(201);
    });
  });

  it('injects 503 twice with Retry-After when asked', async () => {
    await withTeams({}, async (teams) => {
      teams.failNext({ status: 503, times: 2, retryAfter: 3 });
      const url = `${teams.serviceUrl}v3/conversations/a:x/activities`;
      const first = await post(url, message('1'));
      const second = await post(url, message('2'));
      expect([first.status, second.status]).toEqual([503, 503]);
      expect(first.headers.get('retry-after')).toBe('3');
      expect((await post(url, message('3'))).status).toBe(201);
    });
  });

  it('refuses requests without a bearer token with 401', async () => {
    await withTeams({}, async (teams) => {
      const res = await post(`${teams.serviceUrl}v3/conversations/a:x/activities`, message('hi'), { 'content-type': 'application/json' });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Authorization has been denied for this request.' });
      expect(teams.requests[0]?.status).toBe(401);
    });
  });

  it('accepts only Bot Framework tokens from the token endpoint when wired to it', async () => {
    const graph = await startGraphEmulator();
    try {
      await withTeams({ acceptToken: (t) => graph.isIssuedToken(t, 'https://api.botframework.com') }, async (teams) => {
        const form = new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: teams.appId,
          client_secret: 's3cret',
          scope: 'https://api.botframework.com/.default',
        });
        const tokenRes = await fetch(graph.tokenUrl, { method: 'POST', body: form });
        const { access_token } = (await tokenRes.json()) as { access_token: string };
        const url = `${teams.serviceUrl}v3/conversations/a:x/activities`;
        expect((await post(url, message('hi'), { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' })).status).toBe(201);
        expect((await post(url, message('hi'))).status).toBe(401);
      });
    } finally {
      await graph.close();
    }
  });

  it("works with botframework-connector's ConnectorClient, whose errors carry status and Teams code", async () => {
    await withTeams({}, async (teams) => {
      teams.installApp(megan);
      const client = new ConnectorClient(new TokenCredentials(TOKEN), { baseUri: teams.serviceUrl });
      const created = await client.conversations.createConversation({
        isGroup: false,
        bot: { id: teams.botId, name: 'Bot' },
        members: [{ id: megan.aadObjectId, name: '' }],
        tenantId: teams.tenantId,
        channelData: { tenant: { id: teams.tenantId } },
        activity: undefined as never,
      } as never);
      expect(created.id).toBe(teams.personalConversationId(megan));
      await client.conversations.sendToConversation(created.id, { type: 'message', text: 'welcome' } as never);
      expect(teams.sentTo(megan.upn).map((a) => a.activity['text'])).toEqual(['welcome']);

      const refused = await client.conversations
        .createConversation({ isGroup: false, bot: { id: teams.botId }, members: [{ id: alex.aadObjectId }], tenantId: teams.tenantId } as never)
        .then(
          () => undefined,
          (e: unknown) => e as { statusCode?: number; code?: string; message?: string },
        );
      expect(refused?.statusCode).toBe(403);
      expect(refused?.message).toContain("Bot is not installed in user's personal scope");
    });
  });
});
