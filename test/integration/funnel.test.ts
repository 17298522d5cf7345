/**
 * The completion funnel through the real server: a scripted intake of starters who go to different depths, then the
 * counts, read by the app and by `npm run report:funnel` (the CLI on the same store).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import { ROOT } from '../helpers/botProcess';
import type { JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { loadContent } from '../../src/content/load';
import { isoWeek } from '../../src/funnel/funnel';
import { allActions } from '../../src/journey/journey';

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let la: ReturnType<typeof newStarter>;
let env: Record<string, string>;
const dataDir = tempDataDir();
const journey = loadContent(join(ROOT, 'cards')).journey;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  la = newStarter(teams, 'Funnel LA');
  // No Graph: an LA's push waits for each starter's first contact, and is then their welcome.
  env = { GRAPH_ENABLED: 'false', DATA_DIR: dataDir, LA_OBJECT_IDS: la.user.aadObjectId, TEAMS_SERVICE_URL: teams.serviceUrl };
  bot = await startBot(env);
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

async function press(who: ActivityUser, conversationId: string, data: JsonObject): Promise<void> {
  const res = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: String(data['verb']), data }));
  expect(res.status).toBe(200);
}

async function installed(): Promise<{ who: ActivityUser; conversationId: string }> {
  const { who, conversationId } = newStarter(teams, 'Funnel Starter');
  await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
  return { who, conversationId };
}

describe('the completion funnel of an intake', () => {
  it('counts who opened step 2, did each must-do action, did them all and finished: once each, however often they tap', async () => {
    // Six starters: two only read the welcome; one opens step 2; one sets the account secret (twice, and back);
    // one does every must-do action; one finishes the whole journey.
    await installed();
    await installed();
    const stepTwo = await installed();
    await press(stepTwo.who, stepTwo.conversationId, { verb: 'goto', stepId: 'getting-started' });
    await press(stepTwo.who, stepTwo.conversationId, { verb: 'goto', stepId: 'introduction' });
    await press(stepTwo.who, stepTwo.conversationId, { verb: 'goto', stepId: 'getting-started' });
    const secret = await installed();
    await press(secret.who, secret.conversationId, { verb: 'ack', actionId: 'account-secret' });
    await press(secret.who, secret.conversationId, { verb: 'unack', actionId: 'account-secret' });
    await press(secret.who, secret.conversationId, { verb: 'ack', actionId: 'account-secret' });
    const mustDo = await installed();
    for (const actionId of ['account-secret', 'uk-mobile-number', 'sspr-registration'])
      await press(mustDo.who, mustDo.conversationId, { verb: 'ack', actionId });
    const finisher = await installed();
    await press(finisher.who, finisher.conversationId, { verb: 'goto', stepId: 'getting-started' });
    for (const action of allActions(journey)) await press(finisher.who, finisher.conversationId, { verb: 'ack', actionId: action.id });
    // An LA (welcomed themselves by their first message) pushes two starters who have not opened the bot yet; both
    // are welcomed when they do, and one sets the account secret.
    const pushed = [newStarter(teams, 'Pushed Starter'), newStarter(teams, 'Pushed Starter')];
    for (const p of pushed) teams.uninstallApp(p.user);
    await postActivity(bot.messagesUrl, personalMessage(scene, la.who, la.conversationId, `welcome ${pushed.map((p) => p.user.upn).join(', ')}`));
    await bot.app.deliveries.drain();
    for (const p of pushed) {
      teams.installApp(p.user);
      await postActivity(bot.messagesUrl, personalInstall(scene, p.who, p.conversationId));
    }
    await press(pushed[0]!.who, pushed[0]!.conversationId, { verb: 'ack', actionId: 'account-secret' });

    const today = new Date();
    const report = await bot.app.funnel.report(today, today);
    expect(report.weeks.map((w) => w.week)).toEqual([isoWeek(today)]);
    expect(report.overall).toEqual({
      welcomed: 9,
      secondStep: 2,
      actions: { 'account-secret': 4, 'uk-mobile-number': 2, 'sspr-registration': 2 },
      mustDoAll: 2,
      finished: 1,
    });
    expect(report.pushes).toHaveLength(1);
    expect(report.pushes[0]?.tally).toEqual({ welcomed: 2, secondStep: 0, actions: { 'account-secret': 1 }, mustDoAll: 0, finished: 0 });

    // The CLI reads the same tallies from the same store (after the bot has stopped: the file store is one process's).
    await bot.close();
    const run = promisify(execFile);
    const day = today.toISOString().slice(0, 10);
    const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, GRAPH_ENABLED: 'false', LOG_LEVEL: 'silent' };
    const json = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'report-funnel.ts'), '--from', day, '--to', day, '--json'], {
      cwd: ROOT,
      env,
    });
    expect((JSON.parse(json.stdout) as { overall: unknown }).overall).toEqual(report.overall);
    const table = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'report-funnel.ts'), '--from', day, '--to', day], {
      cwd: ROOT,
      env,
    });
    expect(table.stdout).toMatch(/overall\s+9\s+2 \(22%\)\s+2 \(22%\)\s+2 \(22%\)\s+4 \(44%\)\s+2 \(22%\)\s+1 \(11%\)/);
    expect(table.stdout).toMatch(/push [0-9a-f]{8} \(\d{4}-W\d{2}\)\s+2\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+1 \(50%\)/);
    expect(table.stdout).not.toMatch(/Funnel Starter|Pushed Starter|Funnel LA|starter\.|29:|00000000-/);
    bot = await startBot(env);
  }, 120_000);
});
