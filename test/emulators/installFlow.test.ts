import { startGraphEmulator } from '../helpers/graphEmulator';
import { connectInstallFlow } from '../helpers/installFlow';
import { startLoopbackServer, type ParsedRequest } from '../helpers/loopback';
import { startTeamsEmulator } from '../helpers/teamsEmulator';

const TEAMS_APP_ID = 'c1a1b2c3-0000-4000-8000-000000000001';
const megan = { aadObjectId: '7faf8ab2-3d56-4244-b585-20c8a42ed2b8', userId: '29:megan', upn: 'megan.bowen@nhs.net', name: 'Megan Bowen' };

it('a Graph install makes Teams accept the 1:1 chat and posts both install events to the bot', async () => {
  const posted: ParsedRequest[] = [];
  const bot = await startLoopbackServer(async (req) => {
    posted.push(req);
    return { status: 200 };
  });
  const graph = await startGraphEmulator({ catalogAppIds: [TEAMS_APP_ID] });
  const teams = await startTeamsEmulator({ requireAuth: false });
  try {
    graph.addUser({ id: megan.aadObjectId, displayName: megan.name, userPrincipalName: megan.upn });
    teams.addUser(megan);
    connectInstallFlow({ graph, teams, botUrl: `${bot.url}/api/messages`, token: () => 'channel-token' });
    const token = graph.issueToken('app', 'https://graph.microsoft.com/.default').token;
    const res = await fetch(`${graph.graphUrl}/users/${megan.upn}/teamwork/installedApps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${TEAMS_APP_ID}` }),
    });
    expect(res.status).toBe(201);
    await graph.idle();
    expect(teams.isInstalled(megan.upn)).toBe(true);
    expect(posted.map((p) => (p.json as { type: string }).type)).toEqual(['installationUpdate', 'conversationUpdate']);
    expect(posted[0]?.headers['authorization']).toBe('Bearer channel-token');
    expect(posted[0]?.json).toMatchObject({ conversation: { id: teams.personalConversationId(megan) }, serviceUrl: teams.serviceUrl });
  } finally {
    await Promise.all([bot.close(), graph.close(), teams.close()]);
  }
});
