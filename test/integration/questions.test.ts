import {
  adaptiveCardAction,
  channelMention,
  groupChatMention,
  personalInstall,
  personalMessage,
  postActivity,
  type ActivityUser,
  type TeamsScene,
} from '../helpers/activities';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import type { JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { UnansweredLog } from '../../src/intents/unanswered';

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  bot = await startBot();
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

/** Sends a personal message and returns the card the bot replied with. */
async function ask(who: ActivityUser, conversationId: string, text: string): Promise<Record<string, unknown>> {
  const before = teams.sentTo(conversationId).length;
  const res = await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, text));
  expect(res.status).toBe(200);
  const sent = teams.sentTo(conversationId);
  expect(sent.length).toBe(before + 1);
  return cardOf(sent.at(-1)!) as Record<string, unknown>;
}

async function press(who: ActivityUser, conversationId: string, data: JsonObject): Promise<Record<string, unknown>> {
  const verb = String(data['verb']);
  const res = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb, data }));
  expect(res.status).toBe(200);
  return (res.body as { value: Record<string, unknown> }).value;
}

async function welcomed(): Promise<{ who: ActivityUser; conversationId: string }> {
  const { who, conversationId } = newStarter(teams);
  await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
  return { who, conversationId };
}

describe('questions in personal chat', () => {
  it('answers "how do I reset my password" with the password card and its links', async () => {
    const { who, conversationId } = await welcomed();
    const card = await ask(who, conversationId, 'how do I reset my password');
    const text = cardText(card);
    expect(text).toContain('Resetting or changing your password');
    expect(text).toContain('Profile, then Change Password');
    expect(JSON.stringify(card)).toContain('https://support.nhs.net/knowledge-base/changing-your-password/');
    expect(buttons(card).map((b) => b.title)).toEqual(expect.arrayContaining(['My checklist', 'Contact the helpdesk']));
  });

  it('answers with typos and in other words', async () => {
    const { who, conversationId } = await welcomed();
    expect(cardText(await ask(who, conversationId, 'whos my local adminstrator'))).toContain('Finding your Local Administrator');
    expect(cardText(await ask(who, conversationId, 'is nhs.net down??'))).toContain('Is NHSmail down?');
  });

  it('offers to tick the related action from the answer, and the tick is the same as on the journey', async () => {
    const { who, conversationId } = await welcomed();
    const card = await ask(who, conversationId, 'how do I set my account secret');
    expect(cardText(card)).toContain('On your checklist (must do): Set your user account secret');
    expect(cardText(card)).toContain('Not done yet');
    const mark = buttons(card).find((b) => b.title === 'Mark as done: account secret');
    expect(mark?.data).toMatchObject({ verb: 'ack', actionId: 'account-secret', intent: 'account-secret' });

    const refreshed = await press(who, conversationId, mark!.data as JsonObject);
    expect(cardText(refreshed)).toContain('Your user account secret');
    expect(cardText(refreshed)).toMatch(/✓ Done on \d{1,2} \w+ \d{4}/);

    const checklist = await press(who, conversationId, { verb: 'progress' });
    expect(cardText(checklist)).toContain('1 of 18');
  });

  it('asks "did you mean" when two answers are close, and each button answers', async () => {
    const { who, conversationId } = await welcomed();
    const card = await ask(who, conversationId, 'teams training');
    expect(cardText(card)).toContain('Did you mean…?');
    const choices = buttons(card).filter((b) => b.verb === 'answer');
    expect(choices.map((c) => c.title).sort()).toEqual(['Getting started with Teams', 'Training and guidance']);
    for (const choice of choices) {
      const answer = await press(who, conversationId, choice.data as JsonObject);
      expect(cardText(answer)).toContain(choice.title);
    }
  });

  it('says honestly when it does not know, with the helpdesk and how to find the LA, and logs the question without who asked', async () => {
    const { who, conversationId } = await welcomed();
    const near = await ask(who, conversationId, 'a question about my mailbox');
    expect(cardText(near)).toContain('Sorry, I do not know the answer to that');
    expect(cardText(near)).toContain('0333 200 1133');
    expect(cardText(near)).toContain('Help, then My Organisation');
    expect(buttons(near).map((b) => b.title)).toEqual(['Find my Local Administrator', 'Contact the helpdesk', 'What I can do']);

    // Not about NHSmail at all: not sent to the national helpdesk.
    const card = await ask(who, conversationId, 'where do I park my car, my number is 07700 900123');
    const text = cardText(card);
    expect(text).toContain('I can only help with NHSmail');
    expect(text).toContain('ask your manager or your local IT');
    expect(text).not.toContain('0333 200 1133');
    expect(buttons(card).map((b) => b.title)).toEqual(['What I can do']);

    const logged = await new UnansweredLog(bot.app.storage, 30, () => new Date()).list();
    const entry = logged.find((q) => q.text.startsWith('where do I park my car'));
    expect(entry?.text).toBe('where do I park my car, my number is [number]');
    expect(JSON.stringify(entry)).not.toContain(who.userId);
    expect(JSON.stringify(entry)).not.toContain(who.aadObjectId);
  });

  it('answers a related-intent button from an answer card', async () => {
    const { who, conversationId } = await welcomed();
    const card = await ask(who, conversationId, 'my account is locked');
    const related = buttons(card).find((b) => b.data['intent'] === 'find-la');
    expect(related?.title).toBe('Finding your Local Administrator');
    expect(cardText(await press(who, conversationId, related!.data as JsonObject))).toContain('My Organisation');
  });

  it('treats an unknown intent on an old card as stale, not as an error', async () => {
    const { who, conversationId } = await welcomed();
    expect(cardText(await press(who, conversationId, { verb: 'answer', intent: 'no-such-intent' }))).toContain('That card is out of date');
  });
});

describe('questions in channels and group chats', () => {
  const team = { id: '19:questions-team@thread.skype', name: 'Ward 7', aadGroupId: '00000000-0000-4000-8000-0000000000a7' };

  it('answers an @mention in a channel, mention stripped, without a checklist to tick', async () => {
    const { who } = newStarter(teams);
    const before = teams.activities.length;
    await postActivity(bot.messagesUrl, channelMention(scene, who, team, 'what is the helpdesk number?'));
    const replies = teams.activities.slice(before).filter((a) => a.kind === 'send' || a.kind === 'reply');
    expect(replies).toHaveLength(1);
    const card = cardOf(replies[0]!);
    expect(cardText(card)).toContain('Contacting the helpdesk');
    expect(cardText(card)).toContain('0333 200 1133');

    const secret = (await (async () => {
      const n = teams.activities.length;
      await postActivity(bot.messagesUrl, channelMention(scene, who, team, 'how do I set my account secret'));
      return cardOf(teams.activities.slice(n).find((a) => a.kind === 'send' || a.kind === 'reply')!);
    })()) as Record<string, unknown>;
    expect(cardText(secret)).toContain('Your user account secret');
    expect(cardText(secret)).not.toContain('On your checklist');
  });

  it('answers an @mention in a group chat', async () => {
    const { who } = newStarter(teams);
    const before = teams.activities.length;
    await postActivity(bot.messagesUrl, groupChatMention(scene, who, '19:questions-chat@thread.v2', 'is nhsmail down'));
    const reply = teams.activities.slice(before).find((a) => a.kind === 'send' || a.kind === 'reply');
    expect(cardText(cardOf(reply!))).toContain('Is NHSmail down?');
  });
});
