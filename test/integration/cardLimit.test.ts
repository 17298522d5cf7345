import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionSubmit, adaptiveCardAction, personalMessage, postActivity, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

/**
 * Card buttons go through the same prelude as typed messages: a client pressing an LA button in a loop (its data forged
 * in the web client's developer tools) is stopped like a flood of messages, so it cannot grow the audit trail, or
 * hammer an answer's vote tally, faster than a person could.
 */
let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let dataDir: string;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  const la = newStarter(teams, 'Jane LA');
  dataDir = tempDataDir();
  bot = await startBot({ DATA_DIR: dataDir, LA_OBJECT_IDS: la.user.aadObjectId, TEAMS_SERVICE_URL: teams.serviceUrl, USER_MESSAGES_PER_MINUTE: '5' });
});

afterAll(async () => {
  await bot?.close();
  await teams?.close();
});

const refusals = (): number =>
  readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line.includes('"push.refused"')).length;

it('stops a starter pressing LA buttons in a loop at the card limit: the audit trail grows by no more than that', async () => {
  const mallory = newStarter(teams, 'Mallory');
  for (let i = 0; i < 10; i++) await postActivity(bot.messagesUrl, personalMessage(scene, mallory.who, mallory.conversationId, `welcome a${i}@nhs.net`));
  const typed = refusals();
  expect(typed).toBe(5); // the message limit: 5 a minute

  const answers: unknown[] = [];
  for (let i = 0; i < 60; i++) {
    const invoke = await postActivity(
      bot.messagesUrl,
      adaptiveCardAction(scene, mallory.who, mallory.conversationId, { verb: 'pushResend', data: { verb: 'pushResend', pushId: `x${i}` } }),
    );
    answers.push(invoke.body);
    await postActivity(bot.messagesUrl, actionSubmit(scene, mallory.who, mallory.conversationId, { verb: 'laStatus' }));
  }
  // Four presses a minute for each message allowed: 20, whichever way they came; the rest are refused before routing.
  expect(refusals()).toBe(typed + 20);
  // Over the limit, an invoke leaves the card as it was and Teams shows a message instead.
  expect(answers.at(-1)).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
}, 120_000);
