/**
 * Durability through a power loss, not only a process crash: fsync of a file covers its data, not the directory
 * entry that names it. So every write, create and delete of the file store must fsync the store's directory after
 * its rename, link or unlink, and before it resolves (issue 11). Watched through the fs calls the store makes.
 */
import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../../src/state/fileStorage';

type Event = { readonly kind: 'change' | 'dirSyncStart' | 'dirSyncEnd'; readonly seq: number };

function watch(dir: string): { events: Event[]; restore(): void } {
  const events: Event[] = [];
  let seq = 0;
  const note = (kind: Event['kind']): void => {
    events.push({ kind, seq: seq++ });
  };
  const rename = fsp.rename.bind(fsp);
  const link = fsp.link.bind(fsp);
  const rm = fsp.rm.bind(fsp);
  const open = fsp.open.bind(fsp);
  const r1 = jest.spyOn(fsp, 'rename').mockImplementation(async (a, b) => {
    await rename(a, b);
    note('change');
  });
  const r2 = jest.spyOn(fsp, 'link').mockImplementation(async (a, b) => {
    await link(a, b);
    note('change');
  });
  const r3 = jest.spyOn(fsp, 'rm').mockImplementation(async (p, o) => {
    await rm(p, o);
    if (!String(p).endsWith('.tmp')) note('change');
  });
  const r4 = jest.spyOn(fsp, 'open').mockImplementation(async (p, flags, mode) => {
    const handle = await open(p, flags, mode);
    if (String(p) !== dir) return handle;
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      note('dirSyncStart');
      await sync();
      note('dirSyncEnd');
    };
    return handle;
  });
  return {
    events,
    restore: () => [r1, r2, r3, r4].forEach((s) => s.mockRestore()),
  };
}

/** Whether a directory fsync started after the last change and ended before the operation resolved. */
function durable(events: readonly Event[], resolvedAt: number): boolean {
  const lastChange = events.filter((e) => e.kind === 'change' && e.seq < resolvedAt).at(-1);
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
      // Many at once share directory fsyncs, yet each still resolves after one that began after its change.
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.write({ [`b/${i}`]: { i, eTag: '*' } })));
      expect(durable(w.events, seqNow())).toBe(true);
      const syncs = w.events.filter((e) => e.kind === 'dirSyncStart').length;
      expect(syncs).toBeLessThan(3 + 20); // coalesced
    } finally {
      w.restore();
    }
  });
});
