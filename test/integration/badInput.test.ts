import {
  adaptiveCardAction,
  channelMention,
  groupChatMention,
  personalInstall,
  personalMessage,
  postActivity,
  teamBotAdded,
  teamInstall,
  type TeamsScene,
} from '../helpers/activities';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { cardOf, cardText } from '../helpers/cardText';
import type { Json } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  bot = await startBot({ MAX_BODY_BYTES: '65536' });
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

async function raw(body: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(bot.messagesUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, text: await res.text() };
}

async function stillServing(): Promise<void> {
  const res = await fetch(`${bot.baseUrl}/healthz`);
  expect(res.status).toBe(200);
}

describe('bad input gets a clear answer and the process keeps serving', () => {
  it('answers malformed JSON with 400 and no stack trace', async () => {
    const res = await raw('{"type": "message", ');
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
    await stillServing();
  });

  it('answers a body without a type, or not an object, with 400', async () => {
    for (const body of ['{"text":"hi"}', '[]', '"message"', 'null']) {
      const res = await raw(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.text).toContain('activity');
    }
    await stillServing();
  });

  it('answers an oversized body with 413', async () => {
    const { who, conversationId } = newStarter(teams);
    const huge = personalMessage(scene, who, conversationId, 'x'.repeat(70_000));
    const res = await raw(JSON.stringify(huge));
    expect(res.status).toBe(413);
    expect(res.text).toContain('too large');
    await stillServing();
  });

  it('answers a non-JSON content type with 415', async () => {
    const res = await raw('type=message', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
  });

  it('ignores unknown activity types politely', async () => {
    const { who, conversationId } = newStarter(teams);
    const activity = personalMessage(scene, who, conversationId, 'hi');
    activity['type'] = 'somethingNew';
    const res = await postActivity(bot.messagesUrl, activity);
    expect(res.status).toBe(200);
    expect(teams.sentTo(conversationId)).toHaveLength(0);
  });

  it('answers invokes with unknown names with 501', async () => {
    const { who, conversationId } = newStarter(teams);
    const activity = adaptiveCardAction(scene, who, conversationId, { verb: 'ack' });
    activity['name'] = 'composeExtension/unknownThing';
    expect((await postActivity(bot.messagesUrl, activity)).status).toBe(501);
  });

  it('answers a card invoke without an Action.Execute with 400 in the shape Teams expects', async () => {
    const { who, conversationId } = newStarter(teams);
    for (const value of [null, {}, { action: { type: 'Action.Submit' } }, { action: 'ack' }] as Json[]) {
      const activity = adaptiveCardAction(scene, who, conversationId, { verb: 'ack' });
      activity['value'] = value;
      const res = await postActivity(bot.messagesUrl, activity);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    }
    await stillServing();
  });

  it('answers an over-long message politely without processing it', async () => {
    const { who, conversationId } = newStarter(teams);
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    const before = teams.sentTo(conversationId).length;
    await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'password '.repeat(300)));
    // One reply, the notice: the words in it were not matched, answered or stored.
    const replies = teams.sentTo(conversationId).slice(before);
    expect(replies.map((r) => cardText(cardOf(r)))).toEqual([expect.stringContaining('That message is too long for me')]);
    expect(replies.map((r) => cardText(cardOf(r))).join()).not.toContain('password');
  });

  it('ignores a message that lacks the ids Teams always sends: nothing is sent, nothing is stored', async () => {
    const keysNow = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const prefix of ['directory/', 'msteams/', 'index-', 'pending/', 'unanswered/'])
        for await (const key of bot.app.storage.list(prefix)) found.push(key);
      return found.sort();
    };
    const { who, conversationId } = newStarter(teams);
    const stored = await keysNow();
    for (const missing of ['from', 'conversation'] as const) {
      const activity = personalMessage(scene, who, conversationId, 'how do i reset my password');
      delete activity[missing];
      expect((await postActivity(bot.messagesUrl, activity)).status).toBe(200);
    }
    const noUserId = personalMessage(scene, who, conversationId, 'how do i reset my password');
    noUserId['from'] = { ...(noUserId['from'] as object), id: '' };
    expect((await postActivity(bot.messagesUrl, noUserId)).status).toBe(200);
    expect(teams.sentTo(conversationId)).toEqual([]);
    expect(await keysNow()).toEqual(stored);
    await stillServing();
  });
});

describe('teams and group chats', () => {
  const team = { id: '19:general-test@thread.tacv2', name: 'Ward 7', aadGroupId: '22222222-2222-2222-2222-222222222222' };

  it('introduces itself once when added to a team, and never runs a journey in a channel', async () => {
    const { who } = newStarter(teams);
    await postActivity(bot.messagesUrl, teamInstall(scene, who, team));
    await postActivity(bot.messagesUrl, teamBotAdded(scene, who, team));
    const intros = teams.sentTo(team.id);
    expect(intros).toHaveLength(1);
    expect(cardText(cardOf(intros[0]!))).toContain('I only run it in a one-to-one chat');

    await postActivity(bot.messagesUrl, channelMention(scene, who, team, 'continue'));
    const reply = teams.activities.at(-1)!;
    expect(cardText(cardOf(reply))).toContain('Let us do that in our one-to-one chat');
    expect(cardText(cardOf(reply))).not.toContain('Step 1 of 8');
  });

  it('answers help in a group chat with the introduction', async () => {
    const { who } = newStarter(teams);
    await postActivity(bot.messagesUrl, groupChatMention(scene, who, '19:group-chat-1@thread.v2', 'help'));
    expect(cardText(cardOf(teams.activities.at(-1)!))).toContain('welcome bot');
  });
});

describe('service URLs', () => {
  it('refuses an activity whose serviceUrl is not a Teams host, and calls nothing', async () => {
    const { who, conversationId } = newStarter(teams);
    for (const serviceUrl of [
      'https://attacker.invalid/',
      'https://anyone-can-register.trafficmanager.net/',
      'http://smba.trafficmanager.net/teams/',
      'http://169.254.169.254/',
      'file:///etc/passwd',
      'https://user:pw@smba.trafficmanager.net/',
    ]) {
      const activity = personalMessage(scene, who, conversationId, 'help');
      activity['serviceUrl'] = serviceUrl;
      const res = await postActivity(bot.messagesUrl, activity);
      expect({ serviceUrl, status: res.status }).toEqual({ serviceUrl, status: 400 });
    }
    expect(teams.sentTo(conversationId)).toHaveLength(0);
  });
});
