/**
 * Two parts of a turn measured alone, each against the mechanism it replaced, in the same run (issue 14): a change of
 * 0.1–0.2 ms a turn is below what the HTTP rows can resolve on a shared 2-core VM, but not below this.
 *
 * - Card expansion: every step card of a whole journey (unticked and ticked), built by the compiled template with the
 *   card conventions built in (what the renderer does) and by adaptivecards-templating (`Template.expand`) with the
 *   conventions applied after (the renderer's fallback, and how every card was built before), CPU µs per card.
 * - Overwriting an item: the file store's in-place slot write (write + fdatasync) against a temporary file, fsync,
 *   rename and the directory's fsync (how the store wrote before December 2026), in a directory of 20,000 items,
 *   10 writes at a time, CPU µs per write (all threads, `process.cpuUsage`).
 * - The store's cache of items: lru-cache against the Map-based LRU it replaced (a read moved the entry to the end
 *   with delete and set; a full cache evicted `keys().next()`, which walks the entries V8 keeps marked deleted until
 *   it rehashes), 25,000 keys through a cache of 10,000 as the bench's population does, ns per operation.
 */
import { closeSync, fsync, mkdtempSync, openSync, promises as fs, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'adaptivecards-templating';
import { LRUCache } from 'lru-cache';
import { compileTemplate } from '../src/cards/compiledTemplate';
import { CARD_CONVENTIONS, CardRenderer, withConventions } from '../src/cards/render';
import { JourneyCards } from '../src/cards/views';
import { loadContent } from '../src/content/load';
import { acknowledge, startProgress } from '../src/journey/progress';
import { FileStorage } from '../src/state/fileStorage';
import { ROOT } from './lib/build';

export interface UnitFigures {
  readonly cards: { readonly compiledUs: number; readonly libraryUs: number; readonly count: number };
  readonly overwrite: { readonly slotUs: number; readonly renameUs: number; readonly items: number };
  readonly cache: { readonly lruCacheNs: number; readonly mapNs: number; readonly keys: number; readonly capacity: number };
}

/** CPU µs per call of `work` over `n` calls, after as many untimed. */
function cpuPerCall(n: number, work: (i: number) => unknown): number {
  for (let i = 0; i < n; i++) work(i); // the JIT takes a few thousand calls to settle
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) work(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/** The same for work that waits (each call finished before the next starts). */
async function cpuPer(n: number, work: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 500); i++) await work(i);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await work(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

function cards(): UnitFigures['cards'] {
  const content = loadContent(join(ROOT, 'cards'));
  const data: object[] = [];
  class Capturing extends CardRenderer {
    override render(name: string, d: object) {
      if (name === 'step') data.push(d);
      return super.render(name, d);
    }
  }
  const views = new JourneyCards(content, new Capturing(content.templates));
  let progress = startProgress(content.journey, { kind: 'la', name: 'Jane Smith', aadObjectId: 'la-1', pushId: 'p-1' }, new Date());
  for (const step of content.journey.steps) {
    views.step(progress, step.id, { userId: '29:u' });
    for (const action of step.actions) progress = acknowledge(progress, content.journey, action.id, new Date());
    views.step(progress, step.id, { userId: '29:u' });
  }
  const template = content.templates.step as object;
  const compiled = compileTemplate(template, CARD_CONVENTIONS);
  const library = new Template(template);
  const n = 3000;
  const compiledUs = cpuPerCall(n, (i) => compiled(data[i % data.length] as object));
  const libraryUs = cpuPerCall(n, (i) => withConventions(library.expand({ $root: data[i % data.length] })));
  return { compiledUs, libraryUs, count: data.length };
}

/** The store's write before December 2026: a new temporary file, fsync, rename, the directory's fsync. */
async function renameWrite(dir: string, name: string, text: string): Promise<void> {
  const target = join(dir, name);
  const temp = `${target}.${randomUUID()}.tmp`;
  const fd = openSync(temp, 'w');
  const data = Buffer.from(text);
  for (let at = 0; at < data.length;) at += writeSync(fd, data, at);
  await promisify(fsync)(fd);
  closeSync(fd);
  await fs.rename(temp, target);
  const handle = await fs.open(dir, 'r');
  await handle.sync();
  await handle.close();
}

async function overwrite(): Promise<UnitFigures['overwrite']> {
  const items = 20_000;
  const value = { acknowledged: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`action-${i}`, new Date().toISOString()])), note: 'x'.repeat(800) };
  const text = JSON.stringify({ key: 'k', eTag: randomUUID(), value });
  const slotDir = mkdtempSync(join(tmpdir(), 'bench-slots-'));
  const renameDir = mkdtempSync(join(tmpdir(), 'bench-rename-'));
  const store = new FileStorage(slotDir);
  for (let i = 0; i < items; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => store.write({ [`msteams/users/${i + j}`]: value })));
    await Promise.all(Array.from({ length: 100 }, (_, j) => renameWrite(renameDir, `msteams--${i + j}.json`, text)));
  }
  // 10 at a time, as 10 connections tick: each "call" below is 10 concurrent writes to different items.
  const n = 400;
  const ten = (i: number, write: (item: number) => Promise<unknown>) => Promise.all(Array.from({ length: 10 }, (_, j) => write(((i * 10 + j) * 7) % 1000)));
  const slotUs = (await cpuPer(n, (i) => ten(i, (item) => store.write({ [`msteams/users/${item}`]: { ...value, n: i } })))) / 10;
  const renameUs = (await cpuPer(n, (i) => ten(i, (item) => renameWrite(renameDir, `msteams--${item}.json`, text)))) / 10;
  return { slotUs, renameUs, items };
}

/** The file store's cache before December 2026 (src/lruMap.ts). */
class MapLru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

function cache(): UnitFigures['cache'] {
  const capacity = 10_000;
  const keys = Array.from({ length: 25_000 }, (_, i) => `directory/tenant/users/${i.toString(16).padStart(8, '0')}-4000-8000-000000000000`);
  const item = { text: '{}' };
  // A turn's reads and writes: a user of the population, read (and written when it was not kept), and a hot user.
  const turns = (store: { get(key: string): unknown; set(key: string, value: object): void }) => (i: number) => {
    const key = keys[(i * 7919) % keys.length] as string;
    if (store.get(key) === undefined) store.set(key, item);
    store.get(keys[(i * 31) % 2000] as string);
  };
  const n = 200_000;
  const lru = new LRUCache<string, object>({ max: capacity });
  const map = new MapLru<object>(capacity);
  const lruCacheNs = (cpuPerCall(n, turns(lru)) * 1000) / 2;
  const mapNs = (cpuPerCall(n, turns(map)) * 1000) / 2;
  return { lruCacheNs, mapNs, keys: keys.length, capacity };
}

export async function measureUnits(): Promise<UnitFigures> {
  return { cards: cards(), overwrite: await overwrite(), cache: cache() };
}
