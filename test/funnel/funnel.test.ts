import { join } from 'node:path';
import type { StoreItems } from 'botbuilder';
import { loadContent } from '../../src/content/load';
import { isoWeek, milestonesOf, weeksBetween } from '../../src/funnel/funnel';
import { FunnelStore } from '../../src/funnel/funnelStore';
import { startProgress, acknowledge, moveTo, type StartedBy } from '../../src/journey/progress';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import type { AtomicStorage } from '../../src/state/storage';
import { UserStore, type UserRef } from '../../src/state/users';
import { noTelemetry } from '../../src/telemetry/telemetry';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const journey = content.journey;

/** A store that counts what is asked of it: operations, and keys read. */
class CountingStorage implements AtomicStorage {
  operations = 0;
  keysRead = 0;
  listed = 0;
  constructor(private readonly inner: AtomicStorage) {}
  read(keys: string[]): Promise<StoreItems> {
    this.operations++;
    this.keysRead += keys.length;
    return this.inner.read(keys);
  }
  write(changes: StoreItems): Promise<void> {
    this.operations++;
    return this.inner.write(changes);
  }
  delete(keys: string[]): Promise<void> {
    this.operations++;
    return this.inner.delete(keys);
  }
  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    this.operations++;
    return this.inner.createIfAbsent(key, item);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  async *list(prefix: string): AsyncIterable<string> {
    this.listed++;
    yield* this.inner.list(prefix);
  }
}

function rig(at: { now: Date }): { storage: CountingStorage; users: UserStore; funnel: FunnelStore } {
  const storage = new CountingStorage(new AtomicMemoryStorage());
  const users = new UserStore(storage, 12);
  const funnel = new FunnelStore({ storage, users, journey, telemetry: noTelemetry, retries: 12, now: () => at.now });
  return { storage, users, funnel };
}

let n = 0;
async function welcomedStarter(r: ReturnType<typeof rig>, startedBy: StartedBy = { kind: 'self' }): Promise<UserRef> {
  n++;
  const user: UserRef = { channelId: 'msteams', tenantId: 't', userId: `29:u${n}`, aadObjectId: `oid-${n}`, conversationId: `a:c${n}` };
  const at = '2026-01-01T00:00:00.000Z';
  await r.users.updateRecord(user, () => ({
    userId: user.userId,
    aadObjectId: user.aadObjectId,
    tenantId: 't',
    conversationId: user.conversationId,
    reference: {},
    installed: true,
    welcome: { sentAt: at },
    firstSeenAt: at,
    lastSeenAt: at,
  }));
  await r.funnel.welcomed(user, startedBy);
  return user;
}

describe('funnel weeks', () => {
  it('names ISO weeks as ISO 8601 does, across a year end', () => {
    expect(isoWeek(new Date('2026-12-07T10:00:00Z'))).toBe('2026-W50');
    expect(isoWeek(new Date('2027-01-01T10:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2026-01-01T10:00:00Z'))).toBe('2026-W01');
    expect(isoWeek(new Date('2024-12-30T10:00:00Z'))).toBe('2025-W01');
    expect(weeksBetween(new Date('2026-11-30T00:00:00Z'), new Date('2026-12-13T23:00:00Z'))).toEqual(['2026-W49', '2026-W50']);
  });

  it('finds the milestones a progress shows: second step, each must-do action, all of them, finished', () => {
    let p = startProgress(journey, { kind: 'self' }, new Date());
    expect(milestonesOf(p, journey)).toEqual([]);
    p = moveTo(p, journey, journey.steps[1]!.id, new Date());
    p = acknowledge(p, journey, 'account-secret', new Date());
    expect(milestonesOf(p, journey)).toEqual(['secondStep', 'action:account-secret']);
    for (const id of ['uk-mobile-number', 'sspr-registration']) p = acknowledge(p, journey, id, new Date());
    expect(milestonesOf(p, journey)).toContain('mustDoAll');
    expect(milestonesOf(p, journey)).not.toContain('finished');
  });
});

describe('the funnel tally', () => {
  it('counts each milestone once per starter, however often they tap, by week and by push', async () => {
    const at = { now: new Date('2026-12-07T10:00:00Z') };
    const r = rig(at);
    const self = await welcomedStarter(r);
    const push: StartedBy = { kind: 'la', name: 'LA', aadObjectId: 'la-oid', pushId: 'push-1' };
    const pushed = await welcomedStarter(r, push);
    await r.funnel.welcomed(self, { kind: 'self' }); // a second welcome event counts nothing
    let p = startProgress(journey, { kind: 'self' }, at.now);
    p = acknowledge(p, journey, 'account-secret', at.now);
    await r.funnel.progressed(self, p);
    await r.funnel.progressed(self, p);
    await r.funnel.progressed(pushed, p);
    const report = await r.funnel.report(new Date('2026-12-07T00:00:00Z'), new Date('2026-12-07T23:00:00Z'));
    expect(report.overall).toMatchObject({ welcomed: 2, secondStep: 0, actions: { 'account-secret': 2 } });
    expect(report.weeks).toEqual([{ week: '2026-W50', tally: expect.objectContaining({ welcomed: 2 }) }]);
    expect(report.pushes).toEqual([{ pushId: 'push-1', week: '2026-W50', tally: expect.objectContaining({ welcomed: 1, actions: { 'account-secret': 1 } }) }]);
    expect(JSON.stringify(report)).not.toMatch(/oid-|29:u/);
  });

  it('trusts a record read with the progress change only to skip a count: an older one still counts each milestone once', async () => {
    const at = { now: new Date('2026-12-07T10:00:00Z') };
    const r = rig(at);
    const user = await welcomedStarter(r);
    const before = await r.users.record(user); // read before the tick was counted: it shows nothing counted
    let p = startProgress(journey, { kind: 'self' }, at.now);
    p = acknowledge(p, journey, 'account-secret', at.now);
    await r.funnel.progressed(user, p, { record: before });
    await r.funnel.progressed(user, p, { record: before }); // the same old record again: the store's says counted
    await r.funnel.progressed(user, p, { record: await r.users.record(user) });
    const reads = r.storage.keysRead;
    await r.funnel.progressed(user, p, { record: undefined }); // no record: nothing to count, nothing read
    expect(r.storage.keysRead).toBe(reads);
    const report = await r.funnel.report(new Date('2026-12-07T00:00:00Z'), new Date('2026-12-07T23:00:00Z'));
    expect(report.overall).toMatchObject({ welcomed: 1, actions: { 'account-secret': 1 } });
  });

  it('reads the record again when the one read with the tick predates the starter joining the funnel, but only just after a welcome', async () => {
    const at = { now: new Date('2026-12-07T10:00:00Z') };
    const r = rig(at);
    const joining = await welcomedStarter(r);
    const beforeJoining = { ...(await r.users.record(joining))!, funnel: undefined, welcome: { sentAt: '2026-12-07T09:59:00.000Z' } };
    const p = acknowledge(startProgress(journey, { kind: 'self' }, at.now), journey, 'account-secret', at.now);
    await r.funnel.progressed(joining, p, { record: beforeJoining }); // welcomed a minute ago, on another instance
    expect((await r.funnel.report(at.now, at.now)).overall.actions).toEqual({ 'account-secret': 1 });
    const outside = { ...beforeJoining, welcome: { sentAt: '2025-06-01T09:00:00.000Z' } }; // welcomed before the funnel existed
    const reads = r.storage.keysRead;
    await r.funnel.progressed(joining, p, { record: outside });
    expect(r.storage.keysRead).toBe(reads);
  });

  it('reads the same store operations for a period whatever the number of users welcomed outside it (10 vs 300)', async () => {
    const costs: { operations: number; keysRead: number; listed: number }[] = [];
    for (const outside of [10, 300]) {
      const at = { now: new Date('2026-06-01T10:00:00Z') };
      const r = rig(at);
      for (let i = 0; i < outside; i++)
        await welcomedStarter(r, i % 3 === 0 ? { kind: 'la', name: 'LA', aadObjectId: 'la', pushId: `old-${i % 7}` } : { kind: 'self' });
      at.now = new Date('2026-12-07T10:00:00Z');
      for (let i = 0; i < 5; i++) await welcomedStarter(r, { kind: 'la', name: 'LA', aadObjectId: 'la', pushId: 'this-week' });
      const before = { operations: r.storage.operations, keysRead: r.storage.keysRead, listed: r.storage.listed };
      const report = await r.funnel.report(new Date('2026-11-30T00:00:00Z'), new Date('2026-12-13T00:00:00Z'));
      expect(report.overall.welcomed).toBe(5);
      costs.push({
        operations: r.storage.operations - before.operations,
        keysRead: r.storage.keysRead - before.keysRead,
        listed: r.storage.listed - before.listed,
      });
    }
    expect(costs[0]).toEqual(costs[1]);
    expect(costs[0]).toEqual({ operations: 2, keysRead: 3, listed: 0 }); // two weeks' tallies, then one push's
  });
});
