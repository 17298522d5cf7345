import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContent } from '../../src/content/load';
import { acknowledge, startProgress } from '../../src/journey/progress';
import type { DueRule } from '../../src/state/dueIndex';
import { FileStorage } from '../../src/state/fileStorage';
import { keys } from '../../src/state/keys';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { readItem } from '../../src/state/update';
import { UserStore, type UserRecord, type UserRef } from '../../src/state/users';

const { journey } = loadContent('cards');
const t0 = new Date('2026-11-24T09:00:00Z');

const megan: UserRef = {
  channelId: 'msteams',
  tenantId: 'tenant-1',
  userId: '29:1megan-teams-id',
  aadObjectId: '5f1c3c0e-1d2b-4c8e-9a51-6d9f0e2a7b11',
  conversationId: 'a:1megan-chat',
};

function store(): { storage: FileStorage; users: UserStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'users-'));
  const storage = new FileStorage(dir);
  return { storage, users: new UserStore(storage, 5), dir };
}

/** Progress as releases before November 2026 stored it: under the user's Teams id. */
async function storeUnderTeamsId(storage: FileStorage, user: UserRef): Promise<void> {
  const progress = acknowledge(startProgress(journey, { kind: 'self' }, t0), journey, 'account-secret', t0);
  await storage.createIfAbsent(keys.progress(user.channelId, user.conversationId, user.userId), { journeyProgress: progress });
}

describe("where a user's progress is kept", () => {
  it("keys progress by Entra object id, so an LA's welcome can start it before Teams gives the user's Teams id", async () => {
    const { storage, users } = store();
    const knownByObjectIdOnly: UserRef = { ...megan, userId: megan.aadObjectId ?? '' };
    await users.updateProgress(knownByObjectIdOnly, () => startProgress(journey, { kind: 'self' }, t0));
    // The same person writing later, now with their Teams id, finds that journey.
    expect(await users.progress(megan)).toMatchObject({ stepId: 'introduction' });
    expect(await readItem(storage, keys.progress('msteams', megan.conversationId, megan.aadObjectId ?? ''))).toBeDefined();
  });

  it('finds progress stored under the Teams id by an earlier release, keeps its ticks, and moves it once', async () => {
    const { storage, users, dir } = store();
    await storeUnderTeamsId(storage, megan);

    expect(Object.keys((await users.progress(megan))?.acknowledged ?? {})).toEqual(['account-secret']);
    const after = await users.updateProgress(megan, (p) => (p ? acknowledge(p, journey, 'find-la', t0) : p));
    expect(Object.keys(after?.acknowledged ?? {}).sort()).toEqual(['account-secret', 'find-la']);
    expect(await readItem(storage, keys.progress('msteams', megan.conversationId, megan.userId))).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.startsWith('msteams--'))).toHaveLength(1);
  });

  it('moves old progress on a first change too, without losing the change', async () => {
    const { storage, users } = store();
    await storeUnderTeamsId(storage, megan);
    const after = await users.updateProgress(megan, (p) => acknowledge(p ?? startProgress(journey, { kind: 'self' }, t0), journey, 'mfa', t0));
    expect(Object.keys(after?.acknowledged ?? {}).sort()).toEqual(['account-secret', 'mfa']);
    expect(Object.keys((await users.progress(megan))?.acknowledged ?? {}).sort()).toEqual(['account-secret', 'mfa']);
  });

  it('forgets progress under either key', async () => {
    const { storage, users, dir } = store();
    await storeUnderTeamsId(storage, megan);
    await users.forget(megan);
    expect(await users.progress(megan)).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('forgets for good even while a read is moving old progress to its new key', async () => {
    const { storage, dir } = store();
    await storeUnderTeamsId(storage, megan);
    // Hold the move just after it has read the old item, and ask to forget meanwhile.
    const legacy = keys.progress('msteams', megan.conversationId, megan.userId);
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = Object.create(storage) as FileStorage;
    gated.read = async (keysToRead: string[]) => {
      const items = await storage.read(keysToRead);
      if (keysToRead.includes(legacy)) {
        reached();
        await gate;
      }
      return items;
    };
    const users = new UserStore(gated, 5);
    const reading = users.progress(megan);
    await atGate;
    const forgetting = users.forget(megan);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await Promise.all([reading, forgetting]);
    expect(await users.progress(megan)).toBeUndefined();
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('finds the same progress whatever the case of the object id', async () => {
    const { users } = store();
    await users.updateProgress(megan, () => startProgress(journey, { kind: 'self' }, t0));
    expect(await users.progress({ ...megan, aadObjectId: megan.aadObjectId?.toUpperCase() })).toMatchObject({ stepId: 'introduction' });
  });

  it("never shows one user another user's progress in the same conversation", async () => {
    const { users } = store();
    const alex: UserRef = { ...megan, userId: '29:1alex-teams-id', aadObjectId: '0b7e1f52-8c4d-4a3e-b6f2-3e9d7c1a5f22' };
    await users.updateProgress(megan, () => acknowledge(startProgress(journey, { kind: 'self' }, t0), journey, 'mfa', t0));
    expect(await users.progress(alex)).toBeUndefined();
  });
});

describe('a turn reads the user’s record once', () => {
  /** Counts the reads of user records, through the store the UserStore is given. */
  class CountingStorage extends AtomicMemoryStorage {
    recordReads = 0;
    override read(keys: string[]): ReturnType<AtomicMemoryStorage['read']> {
      this.recordReads += keys.filter((k) => k.startsWith('directory/')).length;
      return super.read(keys);
    }
  }
  /** A rule that follows the record alone: an installed user is due three days after first seen, a removed one never. */
  const installedRule: DueRule = {
    name: 'installed',
    fingerprint: '1',
    now: () => t0.getTime(),
    dueAt: (record) => (record.installed ? Date.parse(record.firstSeenAt) + 3 * 24 * 3600_000 : undefined),
  };
  const record = (installed: boolean): UserRecord => ({
    userId: megan.userId,
    aadObjectId: megan.aadObjectId,
    tenantId: megan.tenantId,
    conversationId: megan.conversationId,
    reference: {
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/uk/',
      conversation: { id: megan.conversationId, tenantId: megan.tenantId },
    },
    installed,
    welcome: {},
    firstSeenAt: t0.toISOString(),
    lastSeenAt: t0.toISOString(),
  });
  const tracked = (): { storage: CountingStorage; users: UserStore } => {
    const storage = new CountingStorage();
    const users = new UserStore(storage, 5);
    users.index.track(installedRule);
    return { storage, users };
  };
  const entries = async (storage: CountingStorage): Promise<string[]> => {
    const found: string[] = [];
    for await (const key of storage.list('index-')) found.push(key);
    return found;
  };
  const start = () => startProgress(journey, { kind: 'self' }, t0);

  it('a progress change handed the record its turn read does not read it again', async () => {
    const { storage, users } = tracked();
    const seen = await users.updateRecordSeeing(megan, () => record(true));
    storage.recordReads = 0;
    const { seen: after } = await users.updateProgressSeeing(megan, start, seen);
    expect(storage.recordReads).toBe(0);
    expect(after?.record?.installed).toBe(true);
    expect(await entries(storage)).toHaveLength(1);
  });

  it('reads it again when this process wrote the record since, and the due-day index follows the newer record', async () => {
    const { storage, users } = tracked();
    const seen = await users.updateRecordSeeing(megan, () => record(true));
    expect(await entries(storage)).toHaveLength(1);
    // Between the turn's read and its tick, the app is removed (another turn of the same user, in this process).
    await users.updateRecord(megan, (current) => (current ? { ...current, installed: false } : undefined));
    expect(await entries(storage)).toEqual([]);
    storage.recordReads = 0;
    const { seen: after } = await users.updateProgressSeeing(megan, start, seen);
    expect(storage.recordReads).toBe(1);
    expect(after?.record?.installed).toBe(false);
    // With the turn's older record, the tick would have filed a removed user as due again.
    expect(await entries(storage)).toEqual([]);
  });

  it('a record changed while no index is kept comes without a version, so a later change reads it again', async () => {
    const storage = new CountingStorage();
    const users = new UserStore(storage, 5);
    const seen = await users.updateRecordSeeing(megan, () => record(true));
    expect(seen.version).toBeUndefined();
    users.index.track(installedRule);
    storage.recordReads = 0;
    const { seen: after } = await users.updateProgressSeeing(megan, start, seen);
    expect(storage.recordReads).toBe(1);
    expect(after?.version).toBeDefined();
  });

  it('reads it again after the user was forgotten in this process', async () => {
    const { storage, users } = tracked();
    const seen = await users.updateRecordSeeing(megan, () => record(true));
    await users.forget(megan);
    storage.recordReads = 0;
    const { seen: after } = await users.updateProgressSeeing(megan, start, seen);
    expect(storage.recordReads).toBe(1);
    expect(after?.record).toBeUndefined();
    expect(await entries(storage)).toEqual([]);
  });
});
