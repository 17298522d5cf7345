/**
 * Durability through a power loss, not only a process crash: fsync of a file covers its data, not the directory
 * entry that names it. So every write, create and delete of the file store must fsync the store's directory after
 * its rename, link or unlink, and before it resolves (issue 11). Watched through the fs calls the store makes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../../src/state/fileStorage';

/** A change names the file it made or removed (an item's file is named by the sha256 of its key). */
type Event = { readonly kind: 'change' | 'dirSyncStart' | 'dirSyncEnd'; readonly seq: number; readonly path?: string };

function watch(dir: string): { events: Event[]; restore(): void } {
  const events: Event[] = [];
  let seq = 0;
  const note = (kind: Event['kind'], path?: unknown): void => {
    events.push({ kind, seq: seq++, ...(path !== undefined ? { path: String(path) } : {}) });
  };
  const rename = fsp.rename.bind(fsp);
  const link = fsp.link.bind(fsp);
  const rm = fsp.rm.bind(fsp);
  const open = fsp.open.bind(fsp);
  const r1 = jest.spyOn(fsp, 'rename').mockImplementation(async (a, b) => {
    await rename(a, b);
    note('change', b);
  });
  const r2 = jest.spyOn(fsp, 'link').mockImplementation(async (a, b) => {
    await link(a, b);
    note('change', b);
  });
  const r3 = jest.spyOn(fsp, 'rm').mockImplementation(async (p, o) => {
    await rm(p, o);
    if (!String(p).endsWith('.tmp')) note('change', p);
  });
  const r4 = jest.spyOn(fsp, 'open').mockImplementation(async (p, flags, mode) => {
    const handle = await open(p, flags, mode);
    if (String(p) !== dir) return handle;
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      note('dirSyncStart');
      await sync();
      // A slow disk: other writes change the directory while this fsync is under way, as they do under load. A store
      // that let them join it (rather than wait for the next) would resolve them before their change was synced.
      await new Promise((resolve) => setTimeout(resolve, 5));
      note('dirSyncEnd');
    };
    return handle;
  });
  return {
    events,
    restore: () => [r1, r2, r3, r4].forEach((s) => s.mockRestore()),
  };
}

/**
 * Whether a directory fsync started after the last change (of the item `key`, if given) and ended before the
 * operation resolved.
 */
function durable(events: readonly Event[], resolvedAt: number, key?: string): boolean {
  const hash = key === undefined ? undefined : createHash('sha256').update(key).digest('hex');
  const lastChange = events.filter((e) => e.kind === 'change' && e.seq < resolvedAt && (hash === undefined || e.path?.includes(hash))).at(-1);
  if (!lastChange) return false;
  const start = events.find((e) => e.kind === 'dirSyncStart' && e.seq > lastChange.seq);
  const end = start && events.find((e) => e.kind === 'dirSyncEnd' && e.seq > start.seq);
  return end !== undefined && end.seq < resolvedAt;
}

describe('file store durability', () => {
  it('fsyncs its directory after each rename, link and unlink, before the write, create or delete resolves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'durable-'));
    const store = new FileStorage(dir);
    await store.read(['warm-up']); // creates the directory
    const w = watch(dir);
    try {
      const seqNow = (): number => (w.events.at(-1)?.seq ?? -1) + 1;
      await store.write({ 'a/1': { n: 1, eTag: '*' } });
      expect(durable(w.events, seqNow())).toBe(true);
      expect(await store.createIfAbsent('a/2', { n: 2 })).toBe(true);
      expect(durable(w.events, seqNow())).toBe(true);
      await store.delete(['a/1']);
      expect(durable(w.events, seqNow())).toBe(true);
      // Many at once share directory fsyncs, yet each still resolves after one that began after its own change.
      const batch = Array.from({ length: 20 }, (_, i) => `b/${i}`);
      const resolvedAt = await Promise.all(batch.map((key, i) => store.write({ [key]: { i, eTag: '*' } }).then(seqNow)));
      expect(batch.filter((key, i) => !durable(w.events, resolvedAt[i] as number, key))).toEqual([]);
      const syncs = w.events.filter((e) => e.kind === 'dirSyncStart').length;
      expect(syncs).toBeLessThan(3 + 20); // coalesced
    } finally {
      w.restore();
    }
  });
});
