import {
  actionSubmit,
  adaptiveCardAction,
  channelMention,
  loadFixture,
  personalBotAdded,
  personalInstall,
  postActivity,
  teamMemberAdded,
  type ActivityUser,
  type TeamsScene,
} from '../helpers/activities';
import { startLoopbackServer, type ParsedRequest } from '../helpers/loopback';

const scene: TeamsScene = { serviceUrl: 'http://127.0.0.1:9/teams/', appId: 'app-1', tenantId: 'tenant-1', botName: 'Welcome' };
const user: ActivityUser = { userId: '29:user', name: 'Megan Bowen', aadObjectId: 'aad-1' };
const team = { id: '19:general@thread.tacv2', name: 'Ward 7', aadGroupId: 'group-1' };

describe('activity factories', () => {
  it('keep the captured field set and put the scene in every place Teams does', () => {
    const install = personalInstall(scene, user, 'a:conv', 'add');
    expect(Object.keys(install).sort()).toEqual(Object.keys(loadFixture('personal-installation-update-add')).sort());
    expect(install).toMatchObject({
      type: 'installationUpdate',
      action: 'add',
      channelId: 'msteams',
      serviceUrl: scene.serviceUrl,
      from: { id: '29:user', aadObjectId: 'aad-1' },
      recipient: { id: '28:app-1', name: 'Welcome' },
      conversation: { id: 'a:conv', conversationType: 'personal', tenantId: 'tenant-1' },
      channelData: { tenant: { id: 'tenant-1' } },
    });
    expect(String(install['id'])).toMatch(/^f:\d+$/);
  });

  it('name the bot and the user in membersAdded as Teams does', () => {
    const both = personalBotAdded(scene, user, 'a:conv', { withUser: true });
    expect(both['membersAdded']).toEqual([{ id: '28:app-1' }, { id: '29:user', aadObjectId: 'aad-1' }]);
    const joined = teamMemberAdded(scene, user, { ...user, userId: '29:new', aadObjectId: 'aad-2' }, team);
    expect(joined).toMatchObject({ channelData: { eventType: 'teamMemberAdded', team }, conversation: { conversationType: 'channel', isGroup: true } });
  });

  it('build a channel mention, an Action.Submit and an Action.Execute invoke', () => {
    const mention = channelMention(scene, user, team, 'help');
    expect(mention['text']).toBe('<at>Welcome</at> help');
    expect(mention['entities']).toContainEqual({ type: 'mention', text: '<at>Welcome</at>', mentioned: { id: '28:app-1', name: 'Welcome' } });
    const submit = actionSubmit(scene, user, 'a:conv', { verb: 'ack' }, { replyToId: '123' });
    expect(submit['text']).toBeUndefined();
    expect(submit).toMatchObject({ type: 'message', value: { verb: 'ack' }, replyToId: '123' });
    const invoke = adaptiveCardAction(scene, user, 'a:conv', { verb: 'ack', data: { actionId: 'x' } }, { trigger: 'automatic' });
    expect(invoke).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'ack', data: { actionId: 'x' } }, trigger: 'automatic' },
    });
  });
});

describe('postActivity', () => {
  it('posts JSON with the bearer token and the x-ms headers Teams adds, and parses the JSON answer', async () => {
    const seen: ParsedRequest[] = [];
    const bot = await startLoopbackServer(async (req) => {
      seen.push(req);
      return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'ok' } };
    });
    try {
      const res = await postActivity(`${bot.url}/api/messages`, personalInstall(scene, user, 'a:conv'), { token: 'tok' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ value: 'ok' });
      expect(seen[0]?.headers).toMatchObject({ authorization: 'Bearer tok', 'x-ms-conversation-id': 'a:conv', 'x-ms-tenant-id': 'tenant-1' });
      expect(seen[0]?.json).toMatchObject({ type: 'installationUpdate' });
    } finally {
      await bot.close();
    }
  });
});
