import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { StoreItems } from '../../src/state/storage';
import type { TeamsGateway } from '../../src/admin/welcomeDelivery';
import { JourneyFlow } from '../../src/journey/journeyFlow';
import { CardRenderer } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { loadContent } from '../../src/content/load';
import { DEFAULT_QUEUE_SETTINGS, DeliveryQueue } from '../../src/delivery/queue';
import { sweepRetention, trackRetention } from '../../src/jobs/retention';
import { createLogger } from '../../src/log';
import { ReminderCards } from '../../src/reminders/reminderCard';
import { REMINDER_KIND, reminderRule, Reminders, type ReminderSettings } from '../../src/reminders/reminders';
import type { IndexSource } from '../../src/state/dueIndex';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import type { AtomicStorage } from '../../src/state/storage';
import { UserStore, type UserRef } from '../../src/state/users';
import { virtualClock, type VirtualClock } from '../helpers/virtualClock';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const DAY = 24 * 3600_000;
const reminderSettings: ReminderSettings = {
  afterDays: [3, 7],
  max: 2,
  workingHours: { timeZone: 'Europe/London', startMinute: 0, endMinute: 24 * 60, weekdays: [0, 1, 2, 3, 4, 5, 6] },
};
const retention = { afterCompletionDays: 30, inactiveDays: 365 };
const START = Date.UTC(2026, 2, 24, 10); // Tuesday 24 March 2026
const mustDo = content.journey.steps.flatMap((s) => s.actions.filter((a) => a.mustDo).map((a) => a.id));
const everyAction = content.journey.steps.flatMap((s) => s.actions.map((a) => a.id));

/**
 * A store that "dies" (every later operation fails, as if the process had been killed) right after the first
 * write that `crashAfter` picks, so what a fresh process finds there is exactly what a crash would leave.
 */
class CrashingStorage implements AtomicStorage {
  dead = false;
  crashAfter: ((key: string, item: Record<string, unknown>) => boolean) | undefined;
  constructor(readonly inner: AtomicStorage) {}
  private gate(): void {
    if (this.dead) throw new Error('process killed');
  }
  private after(changes: StoreItems): void {
    for (const [key, item] of Object.entries(changes)) {
      if (this.crashAfter?.(key, item as Record<string, unknown>)) {
        this.dead = true;
        this.crashAfter = undefined;
      }
    }
  }
  async read(keys: string[]): Promise<StoreItems> {
    this.gate();
    return this.inner.read(keys);
  }
  async write(changes: StoreItems): Promise<void> {
    this.gate();
    await this.inner.write(changes);
    this.after(changes);
  }
  async delete(keys: string[]): Promise<void> {
    this.gate();
    return this.inner.delete(keys);
  }
  async createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    this.gate();
    const created = await this.inner.createIfAbsent(key, item);
    this.after({ [key]: item });
    return created;
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  async *list(prefix: string): AsyncIterable<string> {
    this.gate();
    yield* this.inner.list(prefix);
  }
}

/** One bot process over a store: the journey, reminders (with their queue) and the retention sweep, on a virtual clock. */
function processOn(storage: AtomicStorage, clock: VirtualClock, schedule: ReminderSettings = reminderSettings) {
  const now = () => new Date(clock.now());
  const users = new UserStore(storage, 5);
  trackRetention(users, retention, now);
  const renderer = new CardRenderer(content.templates);
  const flow = new JourneyFlow(content, new JourneyCards(content, renderer), users, { answer: () => undefined, answerIntent: () => undefined }, now);
  const sent: string[] = [];
  const teams: TeamsGateway = {
    createPersonalConversation: () => Promise.reject(new Error('not used')),
    sendCard: async (reference) => {
      sent.push(String(reference.conversation?.id));
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
  reminders = new Reminders({ users, flow, content, cards: new ReminderCards(content, renderer), teams, queue, settings: schedule, now, log: quiet });
  return {
    users,
    flow,
    sent,
    async remind() {
      const report = await reminders.run();
      queue.start();
      try {
        await queue.drain();
      } finally {
        // Also when the store "dies" mid-delivery: a killed process's queue does not keep polling (nor this test's worker).
        await queue.stop();
      }
      return report;
    },
    sweep: () => sweepRetention({ users, flow, settings: retention, now, log: quiet }),
  };
}

function starter(n: number): UserRef {
  return { channelId: 'msteams', tenantId: 't', userId: `29:u${n}`, aadObjectId: `aad-${n}`, conversationId: `a:${n}` };
}

async function welcome(p: ReturnType<typeof processOn>, user: UserRef): Promise<void> {
  await p.flow.remember(user, { conversation: { id: user.conversationId } as never });
  await p.flow.claimWelcome(user);
  await p.flow.welcomed(user);
}

/** The index's entries, as "<rule> <day> <user>". */
async function entries(storage: AtomicStorage): Promise<string[]> {
  const found: string[] = [];
  for await (const key of storage.list('index-')) {
    const m = /^index-(\w+)-(\d{4}-\d{2}-\d{2})\/t\/users\/(.+)$/.exec(key);
    if (m) found.push(`${m[1]} ${m[2]} ${m[3]}`);
  }
  return found.sort();
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('the reminder and retention indexes', () => {
  it('move users between buckets as they are welcomed, reminded, finish, go quiet, come back and are forgotten', async () => {
    const storage = new AtomicMemoryStorage();
    const clock = virtualClock(START);
    const p = processOn(storage, clock);
    const [finisher, quietOne, returner] = [starter(1), starter(2), starter(3)];
    for (const user of [finisher, quietOne, returner]) await welcome(p, user);
    // Everyone is due a first reminder on day 3, and erasure a year after they were last seen.
    expect(await entries(storage)).toEqual([
      `reminders ${day(START + 3 * DAY)} aad-1`,
      `reminders ${day(START + 3 * DAY)} aad-2`,
      `reminders ${day(START + 3 * DAY)} aad-3`,
      `retention ${day(START + 365 * DAY)} aad-1`,
      `retention ${day(START + 365 * DAY)} aad-2`,
      `retention ${day(START + 365 * DAY)} aad-3`,
    ]);
    expect(await p.sweep()).toMatchObject({ checked: 3 }); // the first sweep over existing data reads everyone once
    expect(await p.remind()).toMatchObject({ checked: 3, queued: 0 }); // and so does the first reminder run

    // Day 1: the finisher does everything. No reminder can come due any more; erasure comes 30 days after completion.
    clock.advance(DAY);
    for (const id of everyAction) await p.flow.setAcknowledged(finisher, id, true);
    // Day 2: the returner writes again.
    clock.advance(DAY);
    await p.flow.remember(returner, { conversation: { id: returner.conversationId } as never });
    expect(await entries(storage)).toEqual([
      `reminders ${day(START + 3 * DAY)} aad-2`,
      `reminders ${day(START + 3 * DAY)} aad-3`,
      `retention ${day(START + 31 * DAY)} aad-1`,
      `retention ${day(START + 365 * DAY)} aad-2`,
      `retention ${day(START + 367 * DAY)} aad-3`,
    ]);

    // Day 3: the run reads the two starters due, reminds them, and files them under their next stage (day 7).
    clock.advance(DAY);
    expect(await p.remind()).toMatchObject({ checked: 2, queued: 2 });
    expect(p.sent.sort()).toEqual(['a:2', 'a:3']);
    expect((await entries(storage)).filter((e) => e.startsWith('reminders'))).toEqual([
      `reminders ${day(START + 7 * DAY)} aad-2`,
      `reminders ${day(START + 7 * DAY)} aad-3`,
    ]);
    expect(await p.remind()).toMatchObject({ checked: 0, queued: 0 }); // nobody else is due today

    // Day 7: second and last reminder; after it nobody is left in the reminders index.
    clock.advance(4 * DAY);
    expect(await p.remind()).toMatchObject({ checked: 2, queued: 2 });
    expect((await entries(storage)).filter((e) => e.startsWith('reminders'))).toEqual([]);

    // Day 32: the finisher's data has outlived 30 days after completion; the sweep reads them alone.
    clock.advance(25 * DAY);
    expect(await p.sweep()).toEqual({ checked: 1, erasedCompleted: 1, erasedInactive: 0 });
    expect(await p.users.record(finisher)).toBeUndefined();

    // A year and a day: the quiet one goes; the returner, seen two days later than the others, stays until then.
    clock.advance(START + 366 * DAY - clock.now());
    expect(await p.sweep()).toEqual({ checked: 1, erasedCompleted: 0, erasedInactive: 1 });
    expect(await p.users.record(quietOne)).toBeUndefined();
    expect(await p.users.record(returner)).toBeDefined();
    expect(await entries(storage)).toEqual([`retention ${day(START + 367 * DAY)} aad-3`]);

    // Forget me takes the returner out of every bucket.
    await p.flow.forget(returner);
    expect(await entries(storage)).toEqual([]);
  });

  it('files a starter who comes back (reinstalls) under today when a stage passed while they were away', async () => {
    const storage = new AtomicMemoryStorage();
    const clock = virtualClock(START);
    const p = processOn(storage, clock);
    const user = starter(1);
    await welcome(p, user);
    await p.remind(); // the first run: the index is built
    await p.flow.uninstalled(user);
    expect((await entries(storage)).filter((e) => e.startsWith('reminders'))).toEqual([]);
    clock.advance(5 * DAY);
    expect(await p.remind()).toMatchObject({ queued: 0 });
    await p.flow.remember(user, { conversation: { id: user.conversationId } as never }); // installed again on day 5
    expect((await entries(storage)).filter((e) => e.startsWith('reminders'))).toEqual([`reminders ${day(START + 5 * DAY)} aad-1`]);
    expect(await p.remind()).toMatchObject({ checked: 1, queued: 1 });
    expect(p.sent).toEqual(['a:1']);
  });

  it('loses no reminder when a starter opens their list again while a run is moving them on', async () => {
    const storage = new AtomicMemoryStorage();
    const clock = virtualClock(START);
    const p = processOn(storage, clock);
    const user = starter(1);
    await welcome(p, user);
    await p.remind(); // the index is built: the first reminder is due on day 3
    clock.advance(3 * DAY);
    // The run reads the starter just after they finish their must-do list (nothing is due: their entry is to go), and
    // just after that read they undo one (a reminder is due today: the same entry is filed again).
    let reads = 0;
    const source: IndexSource = {
      recordKeys: () => p.users.recordKeys(),
      exclusive: (key, work) => p.users.exclusive(key, work),
      snapshot: async (key) => {
        if (reads++ === 0) for (const id of mustDo) await p.flow.setAcknowledged(user, id, true);
        return p.users.snapshot(key);
      },
    };
    const rule = reminderRule(reminderSettings, content.journey, () => clock.now());
    await p.users.index.sweep(rule, source, async () => {
      if (mustDo[0]) await p.flow.setAcknowledged(user, mustDo[0], false);
      return 'kept';
    });
    expect((await entries(storage)).filter((e) => e.startsWith('reminders'))).toEqual([`reminders ${day(clock.now())} aad-1`]);
    expect(await p.remind()).toMatchObject({ queued: 1 });
    expect(p.sent).toEqual(['a:1']);
  });

  it('loses no reminder when the process dies between the record write and the index update', async () => {
    const inner = new AtomicMemoryStorage();
    let crashing = new CrashingStorage(inner);
    const clock = virtualClock(START);
    let p = processOn(crashing, clock);
    await p.remind(); // builds the (empty) index: from now on only the index finds anyone
    // Killed right after the welcome is recorded as sent, before anything else happens.
    crashing.crashAfter = (key, item) => key.startsWith('directory/') && (item.welcome as { sentAt?: string }).sentAt !== undefined;
    await welcome(p, starter(1)).catch(() => undefined);
    expect(crashing.dead).toBe(true);

    // A new process on what the store holds: the first reminder comes on day 3.
    crashing = new CrashingStorage(inner);
    p = processOn(crashing, clock);
    clock.advance(3 * DAY);
    // Killed again, right after that reminder is recorded (stage 1), before its index entry moves on.
    crashing.crashAfter = (key, item) => key.startsWith('directory/') && (item.reminders as { sent?: number } | undefined)?.sent === 1;
    await p.remind().catch(() => undefined);
    expect(crashing.dead).toBe(true);
    expect(p.sent).toEqual(['a:1']);

    // And again: nothing is sent twice on day 3, and the second reminder still comes on day 7.
    p = processOn(inner, clock);
    expect(await p.remind()).toMatchObject({ queued: 0 });
    expect(p.sent).toEqual([]);
    clock.advance(4 * DAY);
    expect(await p.remind()).toMatchObject({ checked: 1, queued: 1 });
    expect(p.sent).toEqual(['a:1']);
  });

  it('keeps no data past retention when the process dies between the record write and the index update', async () => {
    const inner = new AtomicMemoryStorage();
    const crashing = new CrashingStorage(inner);
    const clock = virtualClock(START);
    let p = processOn(crashing, clock);
    const user = starter(1);
    await welcome(p, user);
    await p.sweep(); // builds the index
    clock.advance(DAY);
    // They finish on day 1 (erasure moves 30 days on from then); killed right after the progress says so.
    crashing.crashAfter = (key, item) => key.startsWith('msteams/') && (item.journeyProgress as { completedAt?: string }).completedAt !== undefined;
    for (const id of everyAction) await p.flow.setAcknowledged(user, id, true).catch(() => undefined);
    expect(crashing.dead).toBe(true);

    p = processOn(inner, clock);
    clock.advance(31 * DAY);
    expect(await p.sweep()).toEqual({ checked: 1, erasedCompleted: 1, erasedInactive: 0 });
    expect(await p.users.record(user)).toBeUndefined();
  });

  it('rebuilds the index once over existing data, and again when the schedule changes', async () => {
    const storage = new AtomicMemoryStorage();
    const clock = virtualClock(START);
    // Data written by a release without indexes: no rule was tracked, so no entries.
    const old = new UserStore(storage, 5);
    const renderer = new CardRenderer(content.templates);
    const oldFlow = new JourneyFlow(
      content,
      new JourneyCards(content, renderer),
      old,
      { answer: () => undefined, answerIntent: () => undefined },
      () => new Date(clock.now()),
    );
    for (let n = 1; n <= 5; n++) {
      const user = starter(n);
      await oldFlow.remember(user, { conversation: { id: user.conversationId } as never });
      await oldFlow.claimWelcome(user);
      await oldFlow.welcomed(user);
    }
    expect(await entries(storage)).toEqual([]);
    clock.advance(3 * DAY);
    const p = processOn(storage, clock);
    expect(await p.remind()).toMatchObject({ checked: 5, queued: 5 }); // the repair pass visits everyone
    const reminderEntries = async () => (await entries(storage)).filter((e) => e.startsWith('reminders'));
    const afterRepair = await reminderEntries();
    expect(afterRepair).toEqual([1, 2, 3, 4, 5].map((n) => `reminders ${day(START + 7 * DAY)} aad-${n}`)); // reminded: next stage
    expect(await p.remind()).toMatchObject({ checked: 0, queued: 0 }); // and only once
    expect(await reminderEntries()).toEqual(afterRepair);
    expect(mustDo.length).toBeGreaterThan(1);
    for (const id of mustDo.slice(1)) await p.flow.setAcknowledged(starter(1), id, true);
    expect(await reminderEntries()).toEqual(afterRepair); // one must-do still open: still filed
    await p.flow.setAcknowledged(starter(1), mustDo[0] ?? '', true);
    expect(await reminderEntries()).toEqual(afterRepair.slice(1)); // all done: out

    // A new schedule files everyone again (the fingerprint changed), under the new day.
    const later = processOn(storage, clock, { ...reminderSettings, afterDays: [3, 10] });
    expect(await later.remind()).toMatchObject({ checked: 5, queued: 0 });
    expect(await reminderEntries()).toEqual(expect.arrayContaining([2, 3, 4, 5].map((n) => `reminders ${day(START + 10 * DAY)} aad-${n}`)));
  });
});
