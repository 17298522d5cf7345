import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { adaptiveCardAction, personalInstall, postActivity, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const mustDoIds = content.journey.steps
  .flatMap((s) => s.actions)
  .filter((a) => a.mustDo)
  .map((a) => a.id);
const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Monday 23 March 2026, 10:00 GMT; the clocks go forward (BST) on Sunday 29 March. */
const MONDAY_10AM = Date.UTC(2026, 2, 23, 10);

let teams: TeamsEmulator;
let scene: TeamsScene;
beforeAll(async () => {
  ({ teams, scene } = await startTeams());
});
afterAll(async () => {
  await teams.close();
});

/** A bot whose clock the test sets; deliveries poll quickly so drain() returns promptly. */
async function botAt(startMs: number): Promise<{ bot: RunningBot; setNow(ms: number): void }> {
  let nowMs = startMs;
  const bot = await startBot({ TEAMS_SERVICE_URL: teams.serviceUrl, DELIVERY_POLL_SECONDS: '0.1' }, { now: () => new Date(nowMs) });
  return { bot, setNow: (ms) => (nowMs = ms) };
}

/** A starter who installed the app (and got the welcome) at the bot's current time. */
async function welcomedStarter(bot: RunningBot): Promise<ReturnType<typeof newStarter>> {
  const starter = newStarter(teams);
  await postActivity(bot.messagesUrl, personalInstall(scene, starter.who, starter.conversationId));
  return starter;
}

function reminders(conversationId: string): Record<string, unknown>[] {
  return teams
    .sentTo(conversationId)
    .map((a) => cardOf(a))
    .filter((c): c is Record<string, unknown> => c !== undefined && cardText(c).includes('A friendly reminder'));
}

async function remind(bot: RunningBot): Promise<Awaited<ReturnType<RunningBot['app']['jobs']['reminders']>>> {
  const report = await bot.app.jobs.reminders();
  await bot.app.deliveries.drain();
  return report;
}

describe('reminders', () => {
  it('nudges once per stage (day 3, day 7 across the BST change), at most REMINDER_MAX times, and a second run sends nothing', async () => {
    const { bot, setNow } = await botAt(MONDAY_10AM);
    try {
      const starter = await welcomedStarter(bot);
      setNow(MONDAY_10AM + 2 * DAY);
      expect((await remind(bot)).queued).toBe(0);

      setNow(MONDAY_10AM + 3 * DAY); // Thursday 10:00 GMT
      const [first, second] = await Promise.all([bot.app.jobs.reminders(), bot.app.jobs.reminders()]);
      expect(first.queued + second.queued).toBe(1);
      await bot.app.deliveries.drain();
      expect(await remind(bot)).toMatchObject({ queued: 0 });
      const cards = reminders(starter.conversationId);
      expect(cards).toHaveLength(1);
      const text = cardText(cards[0]);
      expect(text).toContain(`Must-do actions: 0 of ${mustDoIds.length} done`);
      expect(text).toContain(`(${mustDoIds.length} left)`);
      expect(cards[0]).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
      expect(typeof cards[0]?.speak).toBe('string');
      const continueButton = buttons(cards[0]).find((b) => b.verb === 'continue');
      expect(continueButton?.title).toBe('Continue where I left off');
      // The button works: it answers with the starter's current step.
      const pressed = await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, starter.who, starter.conversationId, { verb: 'continue', data: { verb: 'continue' } }),
      );
      expect(cardText((pressed.body as { value: unknown }).value)).toContain('Step 1');

      setNow(Date.UTC(2026, 2, 30, 10)); // Monday 30 March, 11:00 BST: day 7 (at 10:00 BST only 6 days 23 hours have passed)
      await remind(bot);
      expect(reminders(starter.conversationId)).toHaveLength(2);

      setNow(Date.UTC(2026, 3, 8, 9)); // day 16: REMINDER_MAX (2) reached
      expect((await remind(bot)).queued).toBe(0);
      expect(reminders(starter.conversationId)).toHaveLength(2);
    } finally {
      await bot.close();
    }
  });

  it('never reminds outside working hours (evenings, weekends)', async () => {
    const { bot, setNow } = await botAt(MONDAY_10AM);
    try {
      const starter = await welcomedStarter(bot);
      setNow(Date.UTC(2026, 2, 26, 18)); // Thursday 18:00 GMT
      expect(await remind(bot)).toMatchObject({ outsideHours: true, queued: 0 });
      setNow(Date.UTC(2026, 2, 28, 11)); // Saturday
      expect(await remind(bot)).toMatchObject({ outsideHours: true, queued: 0 });
      setNow(Date.UTC(2026, 2, 30, 7, 30)); // Monday 08:30 BST (07:30 UTC): not yet open
      expect(await remind(bot)).toMatchObject({ outsideHours: true });
      expect(reminders(starter.conversationId)).toHaveLength(0);
      setNow(Date.UTC(2026, 2, 30, 8, 0)); // 09:00 BST
      expect(await remind(bot)).toMatchObject({ outsideHours: false, queued: 1 });
      expect(reminders(starter.conversationId)).toHaveLength(1);
    } finally {
      await bot.close();
    }
  });

  it('never reminds someone who has done every must-do action, or who asked to be forgotten', async () => {
    const { bot, setNow } = await botAt(MONDAY_10AM);
    try {
      const finished = await welcomedStarter(bot);
      for (const actionId of mustDoIds) {
        await postActivity(
          bot.messagesUrl,
          adaptiveCardAction(scene, finished.who, finished.conversationId, { verb: 'ack', data: { verb: 'ack', actionId, view: 'checklist' } }),
        );
      }
      const forgotten = await welcomedStarter(bot);
      await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, forgotten.who, forgotten.conversationId, { verb: 'forgetConfirm', data: { verb: 'forgetConfirm' } }),
      );
      const pending = await welcomedStarter(bot);

      setNow(MONDAY_10AM + 3 * DAY);
      expect(await remind(bot)).toMatchObject({ queued: 1 });
      expect(reminders(finished.conversationId)).toHaveLength(0);
      expect(reminders(forgotten.conversationId)).toHaveLength(0);
      expect(reminders(pending.conversationId)).toHaveLength(1);
    } finally {
      await bot.close();
    }
  });

  it('withdraws a waiting reminder at once when the starter asks to be forgotten', async () => {
    const { bot, setNow } = await botAt(MONDAY_10AM);
    try {
      const starter = await welcomedStarter(bot);
      setNow(MONDAY_10AM + 3 * DAY);
      // Teams throttles the reminder: it waits in the queue for two minutes.
      teams.failNext({ status: 429, retryAfter: 120, match: { conversationId: starter.conversationId, path: '/activities' } });
      expect((await bot.app.jobs.reminders()).queued).toBe(1);
      for (let i = 0; i < 100 && !teams.requests.some((r) => r.status === 429 && r.path.includes(encodeURIComponent(starter.conversationId))); i++)
        await new Promise((r) => setTimeout(r, 50));
      const waiting = async (): Promise<string[]> => {
        const keys: string[] = [];
        for await (const key of bot.app.storage.list('deliveries/')) keys.push(key);
        return keys.filter((k) => k.includes('reminder/'));
      };
      expect(await waiting()).toHaveLength(1);
      await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, starter.who, starter.conversationId, { verb: 'forgetConfirm', data: { verb: 'forgetConfirm' } }),
      );
      expect(await waiting()).toEqual([]);
      await bot.app.deliveries.drain(); // returns at once: nothing is left to wait for
      expect(reminders(starter.conversationId)).toHaveLength(0);
    } finally {
      await bot.close();
    }
  });

  it('stops reminding a starter who removed the app (Teams answers 403)', async () => {
    const { bot, setNow } = await botAt(MONDAY_10AM);
    try {
      const starter = await welcomedStarter(bot);
      teams.uninstallApp(starter.user);
      setNow(MONDAY_10AM + 3 * DAY);
      await remind(bot);
      teams.installApp(starter.user); // Teams-side only: the bot was told nothing, and must not retry on its own
      setNow(Date.UTC(2026, 2, 30, 9));
      expect((await remind(bot)).queued).toBe(0);
      expect(reminders(starter.conversationId)).toHaveLength(0);
    } finally {
      await bot.close();
    }
  });
});
