import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TeamsGateway } from '../../src/admin/welcomeDelivery';
import { JourneyFlow } from '../../src/journey/journeyFlow';
import { CardRenderer, type CardJson } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { loadContent } from '../../src/content/load';
import { DEFAULT_QUEUE_SETTINGS, DeliveryQueue } from '../../src/delivery/queue';
import { startProgress } from '../../src/journey/progress';
import { createLogger } from '../../src/log';
import { ReminderCards } from '../../src/reminders/reminderCard';
import { REMINDER_KIND, reminderDue, Reminders, type ReminderSettings } from '../../src/reminders/reminders';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { UserStore, type UserRecord, type UserRef } from '../../src/state/users';
import { virtualClock } from '../helpers/virtualClock';

const cardsDir = join(__dirname, '..', '..', 'cards');
const content = loadContent(cardsDir);
const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const DAY = 24 * 3600_000;
const settings: ReminderSettings = {
  afterDays: [3, 7],
  max: 2,
  workingHours: { timeZone: 'Europe/London', startMinute: 9 * 60, endMinute: 17 * 60, weekdays: [1, 2, 3, 4, 5] },
};

describe('reminderDue', () => {
  const started = Date.UTC(2026, 0, 5, 10);
  const progress = startProgress(content.journey, { kind: 'self' }, new Date(started));
  const record = (reminders?: UserRecord['reminders'], installed = true): UserRecord => ({
    userId: '29:u',
    tenantId: 't',
    conversationId: 'a:1',
    reference: {},
    installed,
    welcome: { sentAt: new Date(started).toISOString() },
    firstSeenAt: '',
    lastSeenAt: '',
    ...(reminders ? { reminders } : {}),
  });
  const open = { done: 1, total: 3 };

  it('is due at each stage once, and jumps to the latest stage when several passed', () => {
    expect(reminderDue(record(), progress, open, started + 2.9 * DAY, settings)).toBeUndefined();
    expect(reminderDue(record(), progress, open, started + 3 * DAY, settings)).toBe(1);
    expect(reminderDue(record({ stage: 1, sent: 1 }), progress, open, started + 5 * DAY, settings)).toBeUndefined();
    expect(reminderDue(record({ stage: 1, sent: 1 }), progress, open, started + 7 * DAY, settings)).toBe(2);
    expect(reminderDue(record(), progress, open, started + 10 * DAY, settings)).toBe(2);
  });

  it('stops at max, for finished must-dos, without a chat or a welcome', () => {
    expect(reminderDue(record({ stage: 1, sent: 1 }), progress, open, started + 8 * DAY, { ...settings, max: 1 })).toBeUndefined();
    expect(reminderDue(record(), progress, { done: 3, total: 3 }, started + 4 * DAY, settings)).toBeUndefined();
    expect(reminderDue(record(undefined, false), progress, open, started + 4 * DAY, settings)).toBeUndefined();
    expect(reminderDue(undefined, progress, open, started + 4 * DAY, settings)).toBeUndefined();
    expect(reminderDue({ ...record(), welcome: {} }, progress, open, started + 4 * DAY, settings)).toBeUndefined();
  });
});

/** Reminders over a memory store, a recording gateway and a queue on a virtual clock. */
function rig(startMs: number) {
  const clock = virtualClock(startMs);
  const now = () => new Date(clock.now());
  const storage = new AtomicMemoryStorage();
  const users = new UserStore(storage, 5);
  const renderer = new CardRenderer(content.templates);
  const flow = new JourneyFlow(content, new JourneyCards(content, renderer), users, { answer: () => undefined, answerIntent: () => undefined }, now);
  const sent: { at: number; card: CardJson }[] = [];
  const teams: TeamsGateway = {
    createPersonalConversation: () => Promise.reject(new Error('not used')),
    sendCard: async (_reference, card) => {
      sent.push({ at: clock.now(), card });
    },
  };
  let reminders!: Reminders; // eslint-disable-line prefer-const -- the queue's handler closes over it before it exists
  const queue = new DeliveryQueue({
    storage,
    clock,
    log: quiet,
    settings: DEFAULT_QUEUE_SETTINGS,
    handlers: { [REMINDER_KIND]: { deliver: (p) => reminders.handler.deliver(p), giveUp: (p, r) => reminders.handler.giveUp(p, r) } },
  });
  reminders = new Reminders({ users, flow, content, cards: new ReminderCards(content, renderer), teams, queue, settings, now, log: quiet });
  const user: UserRef = { channelId: 'msteams', tenantId: 't', userId: '29:u', aadObjectId: 'aad-u', conversationId: 'a:1' };
  return {
    clock,
    users,
    flow,
    queue,
    reminders,
    sent,
    user,
    async welcome() {
      await flow.remember(user, { conversation: { id: 'a:1' } as never });
      await flow.claimWelcome(user);
      await flow.welcomed(user);
    },
    async deliver() {
      queue.start();
      await queue.drain();
      await queue.stop();
    },
  };
}

describe('Reminders deliveries', () => {
  it('waits for working hours when a queued reminder comes due outside them (Friday 16:59 → Monday 09:00 BST)', async () => {
    const r = rig(Date.UTC(2026, 2, 24, 10)); // Tuesday 24 March 2026
    await r.welcome();
    r.clock.advance(Date.UTC(2026, 2, 27, 16, 59) - r.clock.now()); // Friday 16:59 GMT: open, day 3
    expect((await r.reminders.run()).queued).toBe(1);
    r.clock.advance(5 * 60_000); // the queue is slow to get to it: 17:04, closed
    await r.deliver();
    expect(r.sent).toHaveLength(1);
    // Monday 09:00 BST = 08:00 UTC (virtual time; the queue's own waits may add a moment).
    expect(r.sent[0]?.at).toBeGreaterThanOrEqual(Date.UTC(2026, 2, 30, 8));
    expect(r.sent[0]?.at).toBeLessThan(Date.UTC(2026, 2, 30, 8, 1));
  });

  it('sends nothing for a reminder queued before the starter asked to be forgotten', async () => {
    const r = rig(Date.UTC(2026, 2, 24, 10));
    await r.welcome();
    r.clock.advance(3 * 24 * 3600_000);
    expect((await r.reminders.run()).queued).toBe(1);
    await r.flow.forget(r.user);
    await r.deliver();
    expect(r.sent).toHaveLength(0);
  });

  it('records the reminder in the user record, so a queued duplicate sends nothing', async () => {
    const r = rig(Date.UTC(2026, 2, 24, 10));
    await r.welcome();
    r.clock.advance(3 * 24 * 3600_000);
    await r.reminders.run();
    await r.deliver();
    // As if another instance queued the same stage under another id before this one recorded it.
    await r.queue.enqueue([{ id: 'reminder/duplicate', kind: REMINDER_KIND, payload: { tenantId: 't', userId: '29:u', aadObjectId: 'aad-u', stage: 1 } }]);
    await r.deliver();
    expect(r.sent).toHaveLength(1);
    expect((await r.users.record(r.user))?.reminders).toMatchObject({ stage: 1, sent: 1 });
  });
});
