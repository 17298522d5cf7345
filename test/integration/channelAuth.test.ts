import { personalInstall, personalMessage, postActivity, sceneFrom, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, type RunningBot } from '../helpers/botHarness';
import { StaticTokenCredentialsFactory } from '../helpers/credentials';
import { channelAuthEnv } from '../helpers/channelAuthEnv';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';
import { startTeamsEmulator, type TeamsEmulator } from '../helpers/teamsEmulator';

const APP_ID = '00000000-0000-0000-0000-00000000b07a';
const OUTBOUND_TOKEN = 'outbound-token-issued-to-the-bot';

let identity: IdentityEmulator;
let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;

beforeAll(async () => {
  identity = await startIdentityEmulator();
  teams = await startTeamsEmulator({ appId: APP_ID, requireAuth: true, acceptToken: (t) => t === OUTBOUND_TOKEN });
  scene = sceneFrom(teams);
  bot = await startBot(channelAuthEnv(identity, APP_ID, teams.tenantId), {
    credentialsFactory: new StaticTokenCredentialsFactory(APP_ID, () => OUTBOUND_TOKEN),
  });
});
afterAll(async () => {
  await bot.close();
  await teams.close();
  await identity.close();
});

describe('Bot Framework authentication, end to end', () => {
  it('serves an activity with a valid channel token, and signs its reply', async () => {
    const { who, conversationId } = newStarter(teams);
    const res = await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId), { token: identity.channelToken(APP_ID, scene.serviceUrl) });
    expect(res.status).toBe(200);
    const sent = teams.sentTo(conversationId);
    expect(sent).toHaveLength(1);
    const request = teams.requests.filter((r) => r.method === 'POST' && r.path.includes('/activities')).at(-1);
    expect(request?.headers.authorization).toBe(`Bearer ${OUTBOUND_TOKEN}`);
  });

  it.each([
    ['no token', () => undefined],
    ['an unsigned token', () => identity.channelToken(APP_ID, scene.serviceUrl, { alg: 'none' })],
    ['an expired token', () => identity.channelToken(APP_ID, scene.serviceUrl, { expiresIn: -3600 })],
    ['a token signed by an unknown key', () => identity.channelToken(APP_ID, scene.serviceUrl, { key: 'other' })],
    ['a token whose key is not endorsed for Teams', () => identity.channelToken(APP_ID, scene.serviceUrl, { key: 'unendorsed' })],
    ['a token for another bot', () => identity.channelToken('11111111-2222-3333-4444-555555555555', scene.serviceUrl)],
    ['a token for another service URL', () => identity.channelToken(APP_ID, 'https://smba.trafficmanager.net/emea/')],
  ])('answers 401 to %s and runs no turn', async (_name, token) => {
    const { who, conversationId } = newStarter(teams);
    const t = token();
    const res = await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'help'), t ? { token: t } : {});
    expect(res.status).toBe(401);
    expect(teams.sentTo(conversationId)).toHaveLength(0);
    expect(
      await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'help'), { token: identity.channelToken(APP_ID, scene.serviceUrl) }),
    ).toMatchObject({ status: 200 });
  });
});
