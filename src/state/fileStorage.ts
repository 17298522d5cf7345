import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fsync, openSync, promises as fs, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LruMap } from '../lruMap';
import { KeyedLock } from './keyedLock';
import { ETagConflictError, type AtomicStorage, type StoreItems } from './storage';

interface Envelope {
  key: string;
  eTag: string;
  value: Record<string, unknown>;
}

const GROUP_SEPARATOR = '--';
const fsyncAsync = promisify(fsync);
const LEGACY_NAME = /^[0-9a-f]{64}\.json$/;

/** The key's first path segment, made safe for a file name ("msteams", "deliveries", "directory"). */
function groupOf(key: string): string {
  const first = key.split('/')[0] ?? '';
  return first.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
}

/**
 * The embedded default store: one JSON file per key under a directory. Writes are atomic (write a
 * temporary file, fsync, rename, fsync the directory), so a crash or a power loss leaves the old or the new
 * item, never half of one, and a confirmed write stays. Temporary files a crash left behind are removed at start.
 * eTags are checked under a per-key lock; the store is for one process (several instances share
 * Azure Blob Storage instead).
 *
 * Items are small (a few KB) and the directory is on local disk, so an item is read, and a temporary file
 * written, with synchronous calls: each takes microseconds, where the same call through libuv's thread pool
 * costs tens of microseconds of CPU in hand-offs (measured: a 2 KB read is 6 µs with readFileSync, 150–200 µs
 * with fs.promises.readFile). What waits for the disk or its journal (fsync, rename, link, unlink) runs on the thread
 * pool: a synchronous rename took 8% of the bot's busy time in the benchmark. Listing (scheduled jobs, never a
 * turn) stays asynchronous. Do not put DATA_DIR on a network share: there every call is a network round trip,
 * and that is what the blob store is for.
 *
 * Every write goes through this object (one process), so it keeps the items it last read or wrote in memory, as the
 * file's text, and answers a read from there: a turn's reads then cost no system call (an open, read and close took
 * 40–75 µs of CPU each on the benchmark VM, see docs/bench.md). Absent keys are remembered too (most users never
 * vote). The cache is bounded (least recently used out first) and holds nothing a failed write may have changed.
 */
export class FileStorage implements AtomicStorage {
  private readonly lock = new KeyedLock();
  /** Key → the item's file text as last read or written, or ABSENT. */
  private readonly cache: LruMap<string, string | typeof ABSENT>;
  private ready: Promise<void> | undefined;

  private dirSync: Promise<void> | undefined;
  private nextDirSync: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    /** Items kept in memory (about 2 KB each): 10,000 is about 20 MB. */
    cacheEntries = 10_000,
  ) {
    this.cache = new LruMap(cacheEntries);
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.ensureDir();
    const items: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const envelope = await this.readEnvelope(key);
        if (envelope) items[key] = { ...envelope.value, eTag: envelope.eTag };
      }),
    );
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.ensureDir();
    await Promise.all(
      Object.entries(changes).map(([key, item]) =>
        this.lock.run(key, async () => {
          const { eTag, ...value } = (item ?? {}) as Record<string, unknown>;
          if (typeof eTag === 'string' && eTag !== '*' && eTag !== '') {
            const current = await this.readEnvelope(key);
            if (!current || current.eTag !== eTag) throw new ETagConflictError(key);
          }
          await this.writeEnvelope(key, value, false);
        }),
      ),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await this.ensureDir();
    await Promise.all(
      keys.map((key) =>
        this.lock.run(key, async () => {
          this.cache.delete(key);
          await fs.rm(this.pathOf(key), { force: true });
          this.cache.set(key, ABSENT);
        }),
      ),
    );
    await this.syncDir();
  }

  async createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    await this.ensureDir();
    return this.lock.run(key, async () => {
      const { eTag: _ignored, ...value } = item;
      return this.writeEnvelope(key, value, true);
    });
  }

  async ping(): Promise<void> {
    await this.ensureDir();
    await fs.access(this.dir, fs.constants.W_OK);
  }

  async *list(prefix: string): AsyncIterable<string> {
    await this.ensureDir();
    // File names start with the key's first segment, so a prefix that names one ("deliveries/") reads only its
    // own files: the delivery queue's polling must not read every user's state.
    const group = prefix.includes('/') ? `${groupOf(prefix)}${GROUP_SEPARATOR}` : '';
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith('.json') || !name.startsWith(group)) continue;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(await fs.readFile(join(this.dir, name), 'utf8')) as Envelope;
      } catch {
        continue; // deleted while listing
      }
      if (envelope.key.startsWith(prefix)) yield envelope.key;
    }
  }

  private ensureDir(): Promise<void> {
    this.ready ??= fs
      .mkdir(this.dir, { recursive: true })
      .then(() => this.renameLegacyFiles())
      .then(() => this.removeTemporaryFiles());
    return this.ready;
  }

  /** Temporary files a crash left between write and rename: never an item (the old one stands), so they go. */
  private async removeTemporaryFiles(): Promise<void> {
    for (const name of await fs.readdir(this.dir)) if (name.endsWith('.tmp')) await fs.rm(join(this.dir, name), { force: true });
  }

  /**
   * Makes renames, links and unlinks in the folder durable: fsync of the file covers its data, not the folder entry
   * that names it, so without this a power loss could bring back the old item after a write was confirmed.
   * Concurrent callers share one fsync: a caller waits for the next one that starts after its own change.
   */
  private syncDir(): Promise<void> {
    if (!this.dirSync) {
      this.dirSync = (async () => {
        const handle = await fs.open(this.dir, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      })().finally(() => (this.dirSync = undefined));
      return this.dirSync;
    }
    this.nextDirSync ??= this.dirSync.then(() => {
      this.nextDirSync = undefined;
      return this.syncDir();
    });
    return this.nextDirSync;
  }

  /** Files written before names carried the key's group (`<sha256>.json`) get their current name, once. */
  private async renameLegacyFiles(): Promise<void> {
    for (const name of await fs.readdir(this.dir)) {
      if (!LEGACY_NAME.test(name)) continue;
      try {
        const envelope = JSON.parse(await fs.readFile(join(this.dir, name), 'utf8')) as Envelope;
        await fs.rename(join(this.dir, name), this.pathOf(envelope.key));
      } catch {
        // unreadable or gone: leave it
      }
    }
  }

  private pathOf(key: string): string {
    // Keys hold ids chosen by Teams; a hash keeps file names safe and of bounded length, and the key's first
    // segment in front lets list() skip other groups without opening their files.
    return join(this.dir, `${groupOf(key)}${GROUP_SEPARATOR}${createHash('sha256').update(key).digest('hex')}.json`);
  }

  private async readEnvelope(key: string): Promise<Envelope | undefined> {
    let text = this.cache.get(key);
    if (text === undefined) {
      try {
        text = readFileSync(this.pathOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        text = ABSENT;
      }
      this.cache.set(key, text);
    }
    // Parsed on every read: each caller gets its own objects, as from the file.
    return text === ABSENT ? undefined : (JSON.parse(text) as Envelope);
  }

  /** Writes atomically; with exclusive, fails (returns false) when the key already has an item. */
  private async writeEnvelope(key: string, value: Record<string, unknown>, exclusive: boolean): Promise<boolean> {
    // Until the write is known to have landed or not, the file may hold either item: read it from disk.
    const before = this.cache.get(key);
    this.cache.delete(key);
    const text = await this.writeFile(key, value, exclusive);
    if (text !== undefined) this.cache.set(key, text);
    else if (before !== undefined && before !== ABSENT) this.cache.set(key, before); // create-only refused: unchanged
    return text !== undefined;
  }

  /** Writes the item's file atomically; resolves its text, or undefined when create-only found an item there. */
  private async writeFile(key: string, value: Record<string, unknown>, exclusive: boolean): Promise<string | undefined> {
    const target = this.pathOf(key);
    const temp = `${target}.${randomUUID()}.tmp`;
    const envelope: Envelope = { key, eTag: randomUUID(), value };
    const text = JSON.stringify(envelope);
    const fd = openSync(temp, 'w');
    try {
      const data = Buffer.from(text, 'utf8');
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at);
      await fsyncAsync(fd);
    } catch (error) {
      // Disk full or failing: the item is unchanged; leave no half-written temporary file behind.
      closeSync(fd);
      await fs.rm(temp, { force: true });
      throw error;
    }
    closeSync(fd);
    let renamed = false;
    try {
      if (exclusive) {
        // link() fails if the target exists: an atomic "create only".
        try {
          await fs.link(temp, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
          throw error;
        }
      } else {
        await fs.rename(temp, target);
        renamed = true; // the temporary name is gone with the rename: nothing to remove
      }
    } finally {
      if (!renamed) await fs.rm(temp, { force: true });
    }
    await this.syncDir();
    return text;
  }
}

/** A key read and found to have no item. */
const ABSENT = Symbol('absent');
