import {
  actionSubmit,
  adaptiveCardAction,
  personalBotAdded,
  personalInstall,
  personalMessage,
  postActivity,
  type ActivityUser,
  type TeamsScene,
} from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import type { JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
});
afterAll(async () => {
  await teams.close();
});
beforeEach(async () => {
  bot = await startBot();
});
afterEach(async () => {
  await bot.close();
});

/** Posts an activity and expects Teams' usual 200 (or the invoke's own status). */
async function post(activity: JsonObject): Promise<{ status: number; body: unknown }> {
  return postActivity(bot.messagesUrl, activity);
}

function welcomesTo(conversationId: string): number {
  return teams.sentTo(conversationId).filter((a) => cardText(cardOf(a)).includes('Welcome to NHSmail')).length;
}

async function invoke(who: ActivityUser, conversationId: string, verb: string, data: JsonObject) {
  const res = await post(adaptiveCardAction(scene, who, conversationId, { verb, data: { verb, ...data } }));
  const body = res.body as { statusCode: number; type: string; value: Record<string, unknown> };
  return { status: res.status, body, text: cardText(body.value) };
}

describe('the welcome, sent exactly once per user', () => {
  it.each([
    ['installationUpdate alone', (s: TeamsScene, w: ActivityUser, c: string) => [personalInstall(s, w, c)]],
    ['conversationUpdate with the bot alone', (s: TeamsScene, w: ActivityUser, c: string) => [personalBotAdded(s, w, c)]],
    ['conversationUpdate with the bot and the user', (s: TeamsScene, w: ActivityUser, c: string) => [personalBotAdded(s, w, c, { withUser: true })]],
    ['install then conversationUpdate', (s: TeamsScene, w: ActivityUser, c: string) => [personalInstall(s, w, c), personalBotAdded(s, w, c)]],
    [
      'conversationUpdate then install, each twice',
      (s: TeamsScene, w: ActivityUser, c: string) => [
        personalBotAdded(s, w, c, { withUser: true }),
        personalInstall(s, w, c),
        personalBotAdded(s, w, c),
        personalInstall(s, w, c),
      ],
    ],
  ])('welcomes once for %s', async (_name, events) => {
    const { who, conversationId } = newStarter(teams);
    for (const activity of events(scene, who, conversationId)) expect((await post(activity)).status).toBe(200);
    expect(welcomesTo(conversationId)).toBe(1);
    const card = cardOf(teams.sentTo(conversationId)[0]!);
    expect(cardText(card)).toContain('Step 1 of 8');
    expect((card?.['refresh'] as { userIds: string[] }).userIds).toEqual([who.userId]);
  });

  it('welcomes once when both install events arrive at the same moment, repeated', async () => {
    const { who, conversationId } = newStarter(teams);
    const burst = [personalInstall(scene, who, conversationId), personalBotAdded(scene, who, conversationId, { withUser: true })];
    await Promise.all([...burst, ...burst, ...burst].map((a) => post(a)));
    expect(welcomesTo(conversationId)).toBe(1);
  });

  it('does not welcome again on an app upgrade', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalInstall(scene, who, conversationId));
    await post(personalInstall(scene, who, conversationId, 'add-upgrade'));
    expect(welcomesTo(conversationId)).toBe(1);
    const other = newStarter(teams);
    await post(personalInstall(scene, other.who, other.conversationId, 'add-upgrade'));
    expect(teams.sentTo(other.conversationId)).toHaveLength(0);
  });

  it('welcomes a user whose install event never came when they first write', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalMessage(scene, who, conversationId, 'hello'));
    expect(welcomesTo(conversationId)).toBe(1);
    await post(personalMessage(scene, who, conversationId, 'hello again'));
    expect(welcomesTo(conversationId)).toBe(1);
  });
});

describe('acknowledging actions', () => {
  it('ticks an action with Action.Execute and refreshes the card in place, for that user only', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalInstall(scene, who, conversationId));
    const { status, body, text } = await invoke(who, conversationId, 'ack', { actionId: 'account-secret', view: 'step' });
    expect(status).toBe(200);
    expect(body.statusCode).toBe(200);
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(text).toContain('Must do: Set your user account secret');
    expect(text).toMatch(/✓ Done on \d{1,2} \w+ \d{4}/);
    expect(text).toContain('1 of 18 actions done');
    expect(text).toContain('Must-do actions: 1 of 3 done');
    expect(buttons(body.value).map((b) => b.title)).toContain('Undo: account secret');
    expect((body.value['refresh'] as { userIds: string[] }).userIds).toEqual([who.userId]);
  });

  it('undoes an acknowledgement', async () => {
    const { who, conversationId } = newStarter(teams);
    await invoke(who, conversationId, 'ack', { actionId: 'mfa', view: 'step' });
    const { text } = await invoke(who, conversationId, 'unack', { actionId: 'mfa', view: 'step' });
    expect(text).toContain('0 of 18 actions done');
    expect(text).not.toContain('✓ Done on');
  });

  it('works with Action.Submit from older clients, updating the card that was pressed', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalInstall(scene, who, conversationId));
    const welcome = teams.sentTo(conversationId)[0]!;
    await post(actionSubmit(scene, who, conversationId, { verb: 'ack', actionId: 'uk-mobile-number', view: 'step' }, { replyToId: welcome.activityId }));
    const update = teams.activities.find((a) => a.kind === 'update' && a.conversationId === conversationId);
    expect(update?.activityId).toBe(welcome.activityId);
    expect(cardText(cardOf(update!))).toContain('1 of 18 actions done');
  });

  it('keeps all 18 acknowledgements sent at the same moment', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalInstall(scene, who, conversationId));
    const all = bot.app.content.journey.steps.flatMap((s) => s.actions.map((a) => a.id));
    const results = await Promise.all(all.map((actionId) => invoke(who, conversationId, 'ack', { actionId, view: 'step' })));
    expect(results.every((r) => r.status === 200 && r.body.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    const { text } = await invoke(who, conversationId, 'progress', {});
    expect(text).toContain('18 of 18 actions done');
  });

  it('shows the completion card when the last action is done', async () => {
    const { who, conversationId } = newStarter(teams);
    const all = bot.app.content.journey.steps.flatMap((s) => s.actions.map((a) => a.id));
    for (const actionId of all.slice(0, -1)) await invoke(who, conversationId, 'ack', { actionId, view: 'step' });
    const { text } = await invoke(who, conversationId, 'ack', { actionId: all.at(-1)!, view: 'step' });
    expect(text).toContain('Well done: your welcome checklist is complete');
    expect(text).toContain('0333 200 1133');
  });

  it('never mixes two users’ ticks', async () => {
    const a = newStarter(teams, 'Alex');
    const b = newStarter(teams, 'Bea');
    await post(personalInstall(scene, a.who, a.conversationId));
    await post(personalInstall(scene, b.who, b.conversationId));
    // Each ticks something different, and each sees their own tick landed and not the other's.
    expect((await invoke(a.who, a.conversationId, 'ack', { actionId: 'account-secret', view: 'step' })).text).toContain('1 of 18 actions done');
    expect((await invoke(b.who, b.conversationId, 'ack', { actionId: 'mfa', view: 'step' })).text).toContain('1 of 18 actions done');
    const progressOf = async (u: typeof a): Promise<string> => (await invoke(u.who, u.conversationId, 'progress', {})).text;
    const [seenByA, seenByB] = [await progressOf(a), await progressOf(b)];
    expect(seenByA).toContain('1 of 18 actions done');
    expect(seenByB).toContain('1 of 18 actions done');
    expect(seenByA).toContain('✓ Set your user account secret');
    expect(seenByA).not.toContain('✓ Know your multi-factor authentication');
    expect(seenByB).toContain('✓ Know your multi-factor authentication');
    expect(seenByB).not.toContain('✓ Set your user account secret');
  });

  it('answers stale or unknown card data with a friendly card, never an error', async () => {
    const { who, conversationId } = newStarter(teams);
    for (const [verb, data] of [
      ['ack', { actionId: 'retired-action' }],
      ['goto', { stepId: 'no-such-step' }],
      ['launchMissiles', {}],
      ['ack', { actionId: 42 }],
    ] as const) {
      const { status, body, text } = await invoke(who, conversationId, verb, data as JsonObject);
      expect({ verb, status, type: body.type }).toEqual({ verb, status: 200, type: 'application/vnd.microsoft.card.adaptive' });
      expect(text).toContain('That card is out of date');
    }
  });
});

describe('moving through the journey', () => {
  it('goes to the next step in place and resumes there with "continue"', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalInstall(scene, who, conversationId));
    const next = buttons(cardOf(teams.sentTo(conversationId)[0]!)).find((b) => b.title === 'Next: Getting started')!;
    const { text } = await invoke(who, conversationId, 'goto', next.data as JsonObject);
    expect(text).toContain('Step 2 of 8');
    expect(text).toContain('Getting started');
    await post(personalMessage(scene, who, conversationId, 'Continue'));
    expect(cardText(cardOf(teams.sentTo(conversationId).at(-1)!))).toContain('Step 2 of 8');
  });

  it('keeps progress across a restart of the process on the same data directory', async () => {
    const dataDir = tempDataDir();
    const first = await startBot({ DATA_DIR: dataDir });
    const { who, conversationId } = newStarter(teams);
    await postActivity(first.messagesUrl, personalInstall(scene, who, conversationId));
    await postActivity(
      first.messagesUrl,
      adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'sspr-registration' } }),
    );
    await first.close();
    const second = await startBot({ DATA_DIR: dataDir });
    try {
      await postActivity(second.messagesUrl, personalMessage(scene, who, conversationId, 'progress'));
      const text = cardText(cardOf(teams.sentTo(conversationId).at(-1)!));
      expect(text).toContain('1 of 18 actions done');
      expect(text).toContain('✓ Get ready to use self-service password reset');
      await postActivity(second.messagesUrl, personalInstall(scene, who, conversationId));
      expect(welcomesTo(conversationId)).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('commands', () => {
  it('shows help, the checklist with must-do actions first, and forgets a user on confirmation', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalInstall(scene, who, conversationId));
    await post(personalMessage(scene, who, conversationId, 'HELP'));
    expect(cardText(cardOf(teams.sentTo(conversationId).at(-1)!))).toContain('How I can help');

    await post(personalMessage(scene, who, conversationId, 'progress'));
    const checklist = cardText(cardOf(teams.sentTo(conversationId).at(-1)!));
    expect(checklist).toContain('Must do: Set your user account secret'); // said in words, and first
    expect(checklist.indexOf('Must do:')).toBeLessThan(checklist.indexOf('Bookmark the service status pages'));

    await post(personalMessage(scene, who, conversationId, 'forget me'));
    expect(cardText(cardOf(teams.sentTo(conversationId).at(-1)!))).toContain('Forget everything about you?');
    const { text } = await invoke(who, conversationId, 'forgetConfirm', {});
    expect(text).toContain('I have forgotten you');
    const after = await invoke(who, conversationId, 'progress', {});
    expect(after.text).toContain('You have no welcome checklist yet');
  });

  it('answers anything else politely', async () => {
    const { who, conversationId } = newStarter(teams);
    await post(personalMessage(scene, who, conversationId, 'hello'));
    await post(personalMessage(scene, who, conversationId, 'what is the meaning of life'));
    const reply = cardText(cardOf(teams.sentTo(conversationId).at(-1)!));
    expect(reply).toContain('I can only help with NHSmail');
    expect(reply).toContain('ask your manager or your local IT');
  });
});
