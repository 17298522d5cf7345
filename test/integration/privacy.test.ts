import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type TeamsScene } from '../helpers/activities';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import type { JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

let teams: TeamsEmulator;
let scene: TeamsScene;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
});
afterAll(async () => {
  await teams.close();
});

async function withBot(env: Record<string, string>, run: (bot: RunningBot) => Promise<void>, now?: () => Date): Promise<void> {
  const bot = await startBot({ GRAPH_ENABLED: 'false', TEAMS_SERVICE_URL: teams.serviceUrl, ...env }, now ? { now } : {});
  try {
    await run(bot);
  } finally {
    await bot.close();
  }
}

describe('abuse and privacy', () => {
  it('slows a flooding user down with one polite message, and ignores the rest', () =>
    withBot({ USER_MESSAGES_PER_MINUTE: '5' }, async (bot) => {
      const { who, conversationId } = newStarter(teams);
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      for (let i = 0; i < 12; i++) await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'help'));
      const texts = teams.sentTo(conversationId).map((a) => cardText(cardOf(a)));
      expect(texts.filter((t) => t.includes('How I can help'))).toHaveLength(5);
      expect(texts.filter((t) => t.includes('You are going a bit fast for me'))).toHaveLength(1);
      // Someone else is not affected.
      const other = newStarter(teams);
      await postActivity(bot.messagesUrl, personalMessage(scene, other.who, other.conversationId, 'help'));
      expect(
        teams
          .sentTo(other.conversationId)
          .map((a) => cardText(cardOf(a)))
          .some((t) => t.includes('How I can help')),
      ).toBe(true);
    }));

  it('shows a user everything stored about them with "export my data"', () =>
    withBot({}, async (bot) => {
      const { user, who, conversationId } = newStarter(teams);
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'account-secret' } }));
      await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'Export my data'));
      const text = cardText(cardOf(teams.sentTo(conversationId).at(-1)!));
      expect(text).toContain('What I store about you');
      expect(text).toContain(`Teams user id: ${user.userId}`);
      expect(text).toContain(`Entra object id: ${user.aadObjectId}`);
      expect(text).toContain(`Address: ${user.upn.toLowerCase()}`);
      expect(text).toContain('Actions done: 1 of 18');
      expect(text).toMatch(/✓ Set your user account secret: \d+ \w+ \d{4}/);
      expect(text).toContain('"account-secret"');
      expect(text).not.toContain('Export my data');
    }));

  it('erases the user everywhere on "forget me", so nothing keyed by them or naming them is left', async () => {
    // A Local Administrator who is also new: they have every kind of item a user can have (record, progress,
    // address book, votes, the LA introduction mark, a vote's masked question in a tally).
    const { user, who, conversationId } = newStarter(teams, 'Forgetful La');
    await withBot({ LA_OBJECT_IDS: user.aadObjectId }, async (bot) => {
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'mfa' } }));
      const vote = teams
        .sentTo(conversationId)
        .flatMap((a) => buttons(cardOf(a)))
        .find((b) => b.data['verb'] === 'feedback');
      expect(vote).toBeDefined();
      await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'feedback', data: vote!.data as JsonObject }));
      const keysAbout = async (): Promise<string[]> => {
        const keys: string[] = [];
        for await (const key of bot.app.storage.list('')) {
          // Counts that never say who: the funnel, and a tally's counts (its masked questions say no one either).
          if (key.startsWith('funnel/')) continue;
          const item = JSON.stringify((await bot.app.storage.read([key]))[key]).toLowerCase();
          const named = [user.userId.toLowerCase(), user.aadObjectId.toLowerCase(), user.upn.toLowerCase()];
          if (named.some((id) => key.toLowerCase().includes(id) || item.includes(id))) keys.push(key);
        }
        return keys.sort();
      };
      const before = await keysAbout();
      for (const kind of ['directory/', 'msteams/', 'feedback/votes/', 'la/'])
        expect({ kind, found: before.some((k) => k.startsWith(kind)) }).toEqual({ kind, found: true });
      await postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'forgetConfirm', data: { verb: 'forgetConfirm' } }));
      expect(await keysAbout()).toEqual([]);
    });
  });

  it('erases the user whole even when a step of the erasure fails: the record stays until every other step is done', async () => {
    /** The memory store, with the address book's delete failing once (a storage fault mid-erasure). */
    class FailsOnce extends AtomicMemoryStorage {
      failed = false;
      override async delete(keys: string[]): Promise<void> {
        if (!this.failed && keys.some((k) => k.includes('/addresses/'))) {
          this.failed = true;
          throw new Error('storage unavailable');
        }
        return super.delete(keys);
      }
    }
    const storage = new FailsOnce();
    let now = new Date('2026-01-01T09:00:00Z');
    const bot = await startBot({ GRAPH_ENABLED: 'false', TEAMS_SERVICE_URL: teams.serviceUrl, RETENTION_DAYS_INACTIVE: '30' }, { storage, now: () => now });
    try {
      const { user, who, conversationId } = newStarter(teams, 'Gone Quiet');
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      const about = async (): Promise<string[]> => {
        const found: string[] = [];
        for await (const key of storage.list('')) if (key.toLowerCase().includes(user.aadObjectId) || key.includes(user.upn.toLowerCase())) found.push(key);
        return found;
      };
      expect((await about()).some((k) => k.includes('/addresses/'))).toBe(true);
      now = new Date('2026-03-01T09:00:00Z');
      await expect(bot.app.jobs.retention()).rejects.toThrow('storage unavailable');
      // The record is still there, and so is the sweep's entry for it: the next run erases the user whole.
      expect((await about()).some((k) => k.startsWith('directory/') && k.includes('/users/'))).toBe(true);
      expect(await bot.app.jobs.retention()).toMatchObject({ erasedInactive: 1 });
      expect(await about()).toEqual([]);
    } finally {
      await bot.close();
    }
  });

  it('erases journeys after the retention period, and keeps active ones', async () => {
    let now = new Date('2026-01-01T09:00:00Z');
    await withBot(
      { RETENTION_DAYS_AFTER_COMPLETION: '30', RETENTION_DAYS_INACTIVE: '365', UNANSWERED_RETENTION_DAYS: '10' },
      async (bot) => {
        const finisher = newStarter(teams, 'Finisher');
        const idle = newStarter(teams, 'Idle');
        await postActivity(bot.messagesUrl, personalInstall(scene, finisher.who, finisher.conversationId));
        await postActivity(bot.messagesUrl, personalInstall(scene, idle.who, idle.conversationId));
        await postActivity(bot.messagesUrl, personalMessage(scene, idle.who, idle.conversationId, 'where is the canteen'));
        const unanswered = async () => {
          const keys: string[] = [];
          for await (const k of bot.app.storage.list('unanswered/')) keys.push(k);
          return keys;
        };
        expect(await unanswered()).toHaveLength(1);
        for (const actionId of bot.app.content.journey.steps.flatMap((s) => s.actions.map((a) => a.id))) {
          await postActivity(
            bot.messagesUrl,
            adaptiveCardAction(scene, finisher.who, finisher.conversationId, { verb: 'ack', data: { verb: 'ack', actionId } }),
          );
        }
        now = new Date('2026-01-20T09:00:00Z');
        expect(await bot.app.jobs.retention()).toEqual({ checked: 2, erasedCompleted: 0, erasedInactive: 0 });
        expect(await unanswered()).toEqual([]); // unanswered questions go after UNANSWERED_RETENTION_DAYS
        now = new Date('2026-02-15T09:00:00Z');
        // Only the finisher is due: the sweep reads the users its index files under today, not everyone (issue 13).
        expect(await bot.app.jobs.retention()).toEqual({ checked: 1, erasedCompleted: 1, erasedInactive: 0 });
        now = new Date('2027-01-15T09:00:00Z');
        expect(await bot.app.jobs.retention()).toEqual({ checked: 1, erasedCompleted: 0, erasedInactive: 1 });
        expect(await bot.app.jobs.retention()).toEqual({ checked: 0, erasedCompleted: 0, erasedInactive: 0 });
      },
      () => now,
    );
  });

  it('with RETENTION_INTERVAL_HOURS the bot sweeps by itself (no scheduler needed, and none may share a file store)', async () => {
    let now = new Date('2026-01-01T09:00:00Z');
    await withBot(
      // About every second, for the test; in service, daily (24).
      { RETENTION_DAYS_INACTIVE: '30', RETENTION_INTERVAL_HOURS: '0.0003' },
      async (bot) => {
        const idle = newStarter(teams, 'Idle');
        await postActivity(bot.messagesUrl, personalInstall(scene, idle.who, idle.conversationId));
        const keysAbout = async (): Promise<string[]> => {
          const keys: string[] = [];
          for await (const k of bot.app.storage.list('directory/')) if (k.includes(idle.user.aadObjectId)) keys.push(k);
          return keys;
        };
        expect(await keysAbout()).not.toEqual([]);
        now = new Date('2026-03-01T09:00:00Z'); // past RETENTION_DAYS_INACTIVE: the next sweep erases the journey
        // The sweep logs when it has finished, which may be a little after the user's keys are gone.
        const swept = (): boolean => bot.logs.some((l) => l.event === 'retention.swept' && l.erasedInactive === 1);
        const deadline = Date.now() + 10_000;
        while (((await keysAbout()).length > 0 || !swept()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        expect(await keysAbout()).toEqual([]);
        expect(swept()).toBe(true);
      },
      () => now,
    );
  });

  it('never writes message text, email addresses or names to the logs', () =>
    withBot({ LA_OBJECT_IDS: 'la-object-id', LOG_LEVEL: 'trace' }, async (bot) => {
      const { who, conversationId } = newStarter(teams, 'Zebedee Quartermaine');
      await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
      await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'my secret zanzibar question about pelican.person@nhs.net'));
      await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'welcome pelican.person@nhs.net'));
      await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'x'.repeat(2000)));
      const logs = JSON.stringify(bot.logs);
      expect(bot.logs.filter((l) => l.event === 'turn')).toHaveLength(4);
      for (const secret of ['zanzibar', 'pelican', '@nhs.net', 'Zebedee', 'Quartermaine', 'xxxxxxxx']) expect(logs).not.toContain(secret);
    }));
});
