/**
 * One contract, three stores: the in-memory store (tests), the file store (one instance) and the Azure Blob
 * store (several instances; here on Azurite, started by the test). Whatever the bot relies on — eTags,
 * create-only writes, prefix listing, any key, large items — must hold on each.
 */
import { join } from 'node:path';
import { BlobStateStorage } from '../../src/state/blobStorage';
import { FileStorage } from '../../src/state/fileStorage';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { ETagConflictError, isETagConflict, type AtomicStorage } from '../../src/state/storage';
import { updateItem } from '../../src/state/update';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { tempDataDir } from '../helpers/botHarness';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

interface StoreCase {
  readonly name: string;
  make(): AtomicStorage;
}

const cases: StoreCase[] = [
  { name: 'memory', make: () => new AtomicMemoryStorage() },
  { name: 'file', make: () => new FileStorage(join(tempDataDir(), 'state')) },
  { name: 'blob (Azurite)', make: () => new BlobStateStorage(azurite.connectionString, azurite.newContainer()) },
];

async function listAll(store: AtomicStorage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function withoutETag(item: unknown): unknown {
  const { eTag: _eTag, ...rest } = item as Record<string, unknown>;
  return rest;
}

/** Keys the bot could meet: Teams ids with colons and unicode, slashes in odd places, and very long ones. */
const ODD_KEYS = [
  'msteams/conversations/a:1Xy-é_Zoë/users/29:1abc',
  'unicode/名前/ünïcödé/👋🏽/עברית',
  'slashes//double',
  'slashes/double', // must not be merged with the one above
  '/leading',
  'trailing/',
  'dots/.',
  'dots/..',
  'dots/end.',
  '.',
  'percent/%2F/%/%%41',
  'spaces and\ttabs and\nnewlines',
  'quotes/"\'`<>&?#=+;,',
  'Case/Sensitive',
  'case/sensitive',
  `long/ascii/${'x'.repeat(1500)}`,
  `long/ascii/${'x'.repeat(1499)}y`, // differs only in its last character
  `long/unicode/${'é'.repeat(400)}🙂${'名'.repeat(300)}`,
  `long/unicode/${'é'.repeat(400)}🙃${'名'.repeat(300)}`,
];

describe.each(cases)('the $name store', ({ make }) => {
  let store: AtomicStorage;
  beforeEach(() => {
    store = make();
  });

  it('writes, reads back with an eTag, and deletes', async () => {
    await store.write({ 'a/1': { n: 1, text: 'hello', nested: { list: [1, 'two', null, true] } } });
    const read = await store.read(['a/1', 'a/missing']);
    expect(Object.keys(read)).toEqual(['a/1']);
    expect(withoutETag(read['a/1'])).toEqual({ n: 1, text: 'hello', nested: { list: [1, 'two', null, true] } });
    expect(typeof (read['a/1'] as { eTag?: unknown }).eTag).toBe('string');

    await store.delete(['a/1', 'a/never-there']);
    expect(await store.read(['a/1'])).toEqual({});
    expect(await store.read([])).toEqual({});
  });

  it('gives each write a new eTag, and refuses a write with a stale one as an eTag conflict', async () => {
    await store.write({ k: { v: 1 } });
    const first = (await store.read(['k']))['k'] as { eTag: string };
    await store.write({ k: { v: 2, eTag: first.eTag } });
    const second = (await store.read(['k']))['k'] as { eTag: string };
    expect(second.eTag).not.toBe(first.eTag);

    const error = await failure(store.write({ k: { v: 3, eTag: first.eTag } }));
    expect(isETagConflict(error)).toBe(true);
    expect(error).toBeInstanceOf(ETagConflictError); // what src/state/update.ts retries on
    expect(withoutETag((await store.read(['k']))['k'])).toEqual({ v: 2 });

    // '*' and no eTag at all write whatever is there (botbuilder's last-writer-wins).
    await store.write({ k: { v: 4, eTag: '*' } });
    expect(withoutETag((await store.read(['k']))['k'])).toEqual({ v: 4 });
    await store.write({ k: { v: 5 } });
    expect(withoutETag((await store.read(['k']))['k'])).toEqual({ v: 5 });
  });

  it('treats a write with an eTag to an item deleted since it was read as a conflict, not a resurrection', async () => {
    await store.write({ gone: { v: 1 } });
    const { eTag } = (await store.read(['gone']))['gone'] as { eTag: string };
    await store.delete(['gone']);
    const error = await failure(store.write({ gone: { v: 2, eTag } }));
    expect(isETagConflict(error)).toBe(true);
    expect(await store.read(['gone'])).toEqual({});
  });

  it('creates a key exactly once however many try at the same moment, and the winner is what is stored', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => store.createIfAbsent('once', { winner: i })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(withoutETag((await store.read(['once']))['once'])).toEqual({ winner: results.indexOf(true) });
    expect(await store.createIfAbsent('once', { winner: 99 })).toBe(false);
    // An eTag passed in is not stored as data.
    expect(await store.createIfAbsent('fresh', { v: 1, eTag: 'ignored' })).toBe(true);
    const fresh = (await store.read(['fresh']))['fresh'] as { v: number; eTag: string };
    expect(fresh.v).toBe(1);
    expect(fresh.eTag).not.toBe('ignored');
  });

  it('keeps all of 18 read-modify-writes to one item made at the same moment (eTag conflicts retried)', async () => {
    await Promise.all(
      Array.from({ length: 18 }, (_, i) =>
        updateItem<{ done: string[] }>(store, 'user/progress', (current) => ({ done: [...(current?.done ?? []), `action-${i}`] }), 60),
      ),
    );
    const final = (await store.read(['user/progress']))['user/progress'] as { done: string[] };
    expect([...final.done].sort()).toEqual(Array.from({ length: 18 }, (_, i) => `action-${i}`).sort());
  });

  it('lists exactly the keys that start with a prefix, and not deleted ones', async () => {
    const keys = ['a/1', 'a/10', 'a/2', 'a/2/x', 'ab', 'b/1', 'unanswered/2026-11-24T09:00:00.000Z-1'];
    await Promise.all(keys.map((key) => store.write({ [key]: { key } })));
    expect(await listAll(store, 'a/1')).toEqual(['a/1', 'a/10']);
    expect(await listAll(store, 'a/')).toEqual(['a/1', 'a/10', 'a/2', 'a/2/x']);
    expect(await listAll(store, 'a')).toEqual(['a/1', 'a/10', 'a/2', 'a/2/x', 'ab']);
    expect(await listAll(store, 'zzz')).toEqual([]);
    await store.delete(['a/10']);
    expect(await listAll(store, 'a/1')).toEqual(['a/1']);
    expect(await listAll(store, '')).toEqual([...keys.filter((k) => k !== 'a/10')].sort());
  });

  it('stores odd keys (unicode, slashes, dots, percent signs, very long) without merging any two', async () => {
    await Promise.all(ODD_KEYS.map((key, i) => store.write({ [key]: { i } })));
    const read = await store.read(ODD_KEYS);
    for (const [i, key] of ODD_KEYS.entries()) expect({ key, value: withoutETag(read[key]) }).toEqual({ key, value: { i } });
    expect(await listAll(store, '')).toEqual([...ODD_KEYS].sort());
    expect(await listAll(store, 'long/unicode/')).toEqual(ODD_KEYS.filter((k) => k.startsWith('long/unicode/')).sort());
    // A prefix longer than the part of a long key a blob name can hold still lists exactly.
    const longPrefix = `long/ascii/${'x'.repeat(1499)}`;
    expect(await listAll(store, longPrefix)).toEqual([`long/ascii/${'x'.repeat(1500)}`, `long/ascii/${'x'.repeat(1499)}y`]);
    expect(await listAll(store, `${longPrefix}y`)).toEqual([`long/ascii/${'x'.repeat(1499)}y`]);

    // Odd keys take part in eTags, creates and deletes like any other.
    const long = ODD_KEYS[15] as string;
    const { eTag } = read[long] as { eTag: string };
    await store.write({ [long]: { i: 'changed', eTag } });
    expect(isETagConflict(await failure(store.write({ [long]: { i: 'stale', eTag } })))).toBe(true);
    expect(await store.createIfAbsent(long, { i: 'again' })).toBe(false);
    await store.delete(ODD_KEYS);
    expect(await store.read(ODD_KEYS)).toEqual({});
    expect(await listAll(store, '')).toEqual([]);
  });

  it('stores large values whole (1.5 MB of mixed text, and 10,000 entries)', async () => {
    const text = 'NHSmail ✓ Zoë 名前 👋 '.repeat(60_000);
    const entries = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`action-${i}`, { at: new Date(i * 1000).toISOString(), n: i }]));
    await store.write({ big: { text, entries } });
    const big = (await store.read(['big']))['big'] as { text: string; entries: typeof entries };
    expect(big.text.length).toBe(text.length);
    expect(big.text === text).toBe(true);
    expect(big.entries).toEqual(entries);
  });

  it('reads, writes and deletes hundreds of keys in one call', async () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`pushes/p1/recipients/starter.${i}@nhs.net`, { i }]));
    await store.write(many);
    const read = await store.read([...Object.keys(many), 'pushes/p1/recipients/nobody@nhs.net']);
    expect(Object.keys(read).sort()).toEqual(Object.keys(many).sort());
    for (const [key, value] of Object.entries(many)) expect(withoutETag(read[key])).toEqual(value);
    expect(await listAll(store, 'pushes/p1/recipients/')).toEqual(Object.keys(many).sort());
    await store.delete(Object.keys(many));
    expect(await listAll(store, 'pushes/')).toEqual([]);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('the file store on disk', () => {
  it('lists a group without opening other groups\u2019 files, and renames files from before groups were in names', async () => {
    const { createHash } = await import('node:crypto');
    const { mkdirSync, readdirSync, writeFileSync } = await import('node:fs');
    const dir = join(tempDataDir(), 'state');
    mkdirSync(dir, { recursive: true });
    // A file written by the earlier naming (sha256 of the key only) is still found, under its new name.
    const legacyKey = 'msteams/conversations/a:1/users/29:legacy';
    writeFileSync(
      join(dir, `${createHash('sha256').update(legacyKey).digest('hex')}.json`),
      JSON.stringify({ key: legacyKey, eTag: 'e1', value: { done: ['mfa'] } }),
    );
    // A corrupt file in another group must not matter to a listing of 'deliveries/'.
    writeFileSync(join(dir, 'msteams--0000.json'), '{ not json');
    const store = new FileStorage(dir);
    const keysOf = async (prefix: string) => {
      const keys: string[] = [];
      for await (const k of store.list(prefix)) keys.push(k);
      return keys;
    };
    await store.write({ 'deliveries/1': { job: 1 } });
    expect(await keysOf('deliveries/')).toEqual(['deliveries/1']);
    expect((await store.read([legacyKey]))[legacyKey]).toMatchObject({ done: ['mfa'] });
    expect(readdirSync(dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n))).toEqual([]);
    expect(await keysOf('msteams/')).toEqual([legacyKey]);
  });

  it('removes at start the temporary files a crash left between write and rename, and keeps the items', async () => {
    const { mkdirSync, readdirSync, writeFileSync } = await import('node:fs');
    const dir = join(tempDataDir(), 'state');
    const first = new FileStorage(dir);
    await first.write({ 'msteams/users/kept': { done: ['mfa'] } });
    // What a kill -9 between writing the temporary file and renaming it leaves behind.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'msteams--abc.json.0b7a-crash.tmp'), '{"half": ');
    const restarted = new FileStorage(dir);
    expect((await restarted.read(['msteams/users/kept']))['msteams/users/kept']).toMatchObject({ done: ['mfa'] });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
