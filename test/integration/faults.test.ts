import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { cardOf, cardText } from '../helpers/cardText';
import { FaultyStorage, storageDown } from '../helpers/faultyStorage';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';

let teams: TeamsEmulator;
let scene: TeamsScene;
let storage: FaultyStorage;
let bot: RunningBot;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
});
afterAll(async () => {
  await teams.close();
});
beforeEach(async () => {
  storage = new FaultyStorage(new AtomicMemoryStorage());
  bot = await startBot({ GRAPH_ENABLED: 'false' }, { storage });
});
afterEach(async () => {
  await bot.close();
});

describe('when storage fails', () => {
  it('tells the user their tick was not saved, keeps the card, and reports unready until storage is back', async () => {
    const { who, conversationId } = newStarter(teams);
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    storage.failing = storageDown();

    const res = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'mfa' } }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'I could not save that. Something went wrong on my side and your change was not saved. Please try again in a minute.',
    });
    expect((await fetch(`${bot.baseUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);

    storage.failing = undefined;
    expect((await fetch(`${bot.baseUrl}/readyz`)).status).toBe(200);
    const retry = await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'mfa' } }));
    expect(cardText((retry.body as { value: unknown }).value)).toContain('1 of 18 actions done');
  });

  it('answers a typed message with the same apology, without a stack trace', async () => {
    const { who, conversationId } = newStarter(teams);
    await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    storage.failing = storageDown();
    await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'progress'));
    const reply = cardText(cardOf(teams.sentTo(conversationId).at(-1)!));
    expect(reply).toContain('I could not save that');
    expect(reply).not.toMatch(/ECONNREFUSED|at .*\.(js|ts):\d+/);
  });

  it('reports unready when storage is too slow to answer', async () => {
    storage.delayMs = 3000;
    const started = Date.now();
    expect((await fetch(`${bot.baseUrl}/readyz`)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2900);
  });
});

describe('when Teams fails', () => {
  it('answers Teams cleanly when the connector keeps answering 500, queues the welcome, and welcomes once', async () => {
    const { who, conversationId } = newStarter(teams);
    teams.failNext({ status: 500, code: 'InternalServerError', times: 10, match: { conversationId } });
    const res = await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
    // The welcome is queued (claim released); Teams gets a plain 200, not a retry storm.
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(bot.logs.some((l) => l.event === 'welcome.queued')).toBe(true);
    expect(teams.sentTo(conversationId)).toHaveLength(0);
    teams.reset();
    await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'hello'));
    expect(teams.sentTo(conversationId).filter((a) => cardText(cardOf(a)).includes('Welcome to NHSmail'))).toHaveLength(1);
  });
});
