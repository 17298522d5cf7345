import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fdatasync, fsync, openSync, promises as fs, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LRUCache } from 'lru-cache';
import { claimStore } from './storeClaim';
import { KeyedLock } from './keyedLock';
import { ETagConflictError, type AtomicStorage, type StoreItems } from './storage';

interface Envelope {
  key: string;
  eTag: string;
  value: Record<string, unknown>;
}

const GROUP_SEPARATOR = '--';
const fsyncAsync = promisify(fsync);
/** fdatasync on the thread pool (looked up when called, so a test can watch it). */
function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}
/** How a file store is opened. */
export interface FileStoreOptions {
  /** Reads only: no claim on the directory, nothing tidied, every write refused (the reports, beside the bot). */
  readonly readOnly?: boolean;
  /** Told when the claim is lost while held (the bot then stops: src/app.ts); every call fails from then on. */
  readonly onLost?: (error: Error) => void;
}

/** Files of releases before December 2026: the envelope as JSON, named `<group>--<sha256>.json` or `<sha256>.json`. */
const JSON_NAME = /\.json$/;
const ITEM_SUFFIX = '.item';

/**
 * An item file holds two slots of `capacity` bytes each. A slot is a 24-byte header (magic, payload length, write
 * number, and the first 8 bytes of a sha256 of those and the payload) followed by the envelope as JSON. The newest
 * slot whose checksum holds is the item. An overwrite writes the other slot in place and fdatasyncs the file: a write
 * cut short by a crash or a power loss fails its checksum, and the slot before it stands. No new file, no rename and
 * no directory fsync, so a tick costs one write and one fdatasync (docs/bench.md). Slots are multiples of 4 KB, so
 * a torn write of one cannot touch the other's sectors. An item that outgrows its slots is written to a new file,
 * atomically as before (temporary file, fsync, rename, directory fsync), with larger ones.
 */
const MAGIC = 0x4e574931; // "NWI1"
const HEADER_BYTES = 24;
const SLOT_ALIGN = 4096;

/** An item as the cache keeps it: its slot, and its eTag (so a write's eTag check parses nothing). */
type Stored = Slots & { readonly eTag: string };

interface Slots {
  /** The envelope's JSON. */
  readonly text: string;
  /** The write number of the slot it came from (the next write goes to the other slot). */
  readonly seq: number;
  /** Bytes per slot. */
  readonly capacity: number;
}

function checksum(header: Buffer, payload: Buffer): Buffer {
  return createHash('sha256').update(header.subarray(0, 16)).update(payload).digest().subarray(0, 8);
}

/** One slot: header and payload. */
function encodeSlot(text: string, seq: number): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const slot = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  slot.writeUInt32BE(MAGIC, 0);
  slot.writeUInt32BE(payload.length, 4);
  slot.writeBigUInt64BE(BigInt(seq), 8);
  checksum(slot, payload).copy(slot, 16);
  payload.copy(slot, HEADER_BYTES);
  return slot;
}

/** The slot's envelope text and write number, or undefined when it is empty or its checksum fails (a torn write). */
function decodeSlot(file: Buffer, offset: number, capacity: number): { text: string; seq: number } | undefined {
  if (offset + HEADER_BYTES > file.length || file.readUInt32BE(offset) !== MAGIC) return undefined;
  const length = file.readUInt32BE(offset + 4);
  if (HEADER_BYTES + length > capacity || offset + HEADER_BYTES + length > file.length) return undefined;
  const header = file.subarray(offset, offset + HEADER_BYTES);
  const payload = file.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  if (!checksum(header, payload).equals(header.subarray(16, 24))) return undefined;
  return { text: payload.toString('utf8'), seq: Number(file.readBigUInt64BE(offset + 8)) };
}

/** An item file's contents: its newest whole slot. Throws for a file with no whole slot. */
export function decodeItemFile(file: Buffer): Slots {
  const capacity = file.length / 2;
  const slots = [decodeSlot(file, 0, capacity), decodeSlot(file, capacity, capacity)].filter((s) => s !== undefined);
  const newest = slots.sort((a, b) => b.seq - a.seq)[0];
  if (!newest) throw new Error('item file without a whole slot');
  return { ...newest, capacity };
}

/** A new item file: the slot in the first place, the second empty; slots sized for the item to grow by half. */
function newItemFile(text: string, seq: number): { file: Buffer; capacity: number } {
  const slot = encodeSlot(text, seq);
  const capacity = Math.ceil((slot.length * 1.5) / SLOT_ALIGN) * SLOT_ALIGN;
  const file = Buffer.alloc(capacity * 2);
  slot.copy(file, (seq % 2) * capacity);
  return { file, capacity };
}

/** The key's first path segment, made safe for a file name ("msteams", "deliveries", "directory"). */
function groupOf(key: string): string {
  const first = key.split('/')[0] ?? '';
  return first.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
}

/**
 * The embedded default store: one file per key under a directory, in two checksummed slots (above). A crash or a
 * power loss leaves the old item or the new one, never half of one, and a confirmed write stays: an overwrite
 * resolves after fdatasync of its file; a new file, a delete or a file rewritten larger after the directory's fsync.
 * Temporary files a crash left behind are removed at start, and files of the earlier JSON format are rewritten as
 * item files once. eTags are checked under a per-key lock; the store is for one process (several instances share
 * Azure Blob Storage instead).
 *
 * Items are small (a few KB) and the directory is on local disk, so an item is read, and written, with synchronous
 * calls: each takes microseconds, where the same call through libuv's thread pool costs tens of microseconds of CPU
 * in hand-offs (measured: a 2 KB read is 6 µs with readFileSync, 150–200 µs with fs.promises.readFile). What waits for
 * the disk or its journal (fsync, fdatasync, rename, link, unlink) runs on the thread pool. Listing (scheduled jobs,
 * never a turn) stays asynchronous. Do not put DATA_DIR on a network share: there every call is a network round
 * trip, and that is what the blob store is for.
 *
 * Every write goes through this object (one process), so it keeps the items it last read or wrote in memory, as the
 * envelope's text with its slot, and answers a read from there: a turn's reads then cost no system call (an open,
 * read and close took 40–75 µs of CPU each on the benchmark VM, see docs/bench.md). Absent keys are remembered too
 * (most users never vote). The cache is bounded (least recently used out first) and holds nothing a failed write may
 * have changed.
 */
export class FileStorage implements AtomicStorage {
  private readonly lock = new KeyedLock();
  /** Key → the item as last read or written (with its eTag), or ABSENT. */
  private readonly cache: LRUCache<string, Stored | typeof ABSENT>;
  private ready: Promise<void> | undefined;
  /**
   * Keys whose last write failed: what their file holds is not known (a slot written but not flushed may or may not
   * survive a power loss), so their next write replaces the whole file rather than a slot.
   */
  private readonly unsure = new Set<string>();

  private dirSync: Promise<void> | undefined;
  private nextDirSync: Promise<void> | undefined;

  /** Releases this store's share of the claim on its directory (src/state/storeClaim.ts). */
  private release: (() => Promise<void>) | undefined;
  /** Set when the claim was lost while held: from then on every call fails, and /readyz reports the store down. */
  private lost: Error | undefined;
  /** Counts closes, so that a claim still on its way when the store is closed is given back, not kept. */
  private opened = 0;

  constructor(
    private readonly dir: string,
    /** Items kept in memory (about 2 KB each): 10,000 is about 20 MB. A whole number, at least 1. */
    cacheEntries = 10_000,
    private readonly options: FileStoreOptions = {},
  ) {
    if (!Number.isInteger(cacheEntries) || cacheEntries < 1) throw new RangeError('the file store keeps a whole number of items in memory, at least 1');
    this.cache = new LRUCache({ max: cacheEntries });
  }

  /** Gives up the claim on the directory (the next call claims it again). */
  async close(): Promise<void> {
    this.opened++;
    const release = this.release;
    this.release = undefined;
    this.ready = undefined;
    await release?.();
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.ensureDir();
    const items: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const envelope = this.parsed(key);
        if (envelope) {
          // Parsed for this read alone: the item is handed over as it is, with its eTag, not copied.
          envelope.value.eTag = envelope.eTag;
          items[key] = envelope.value;
        }
      }),
    );
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.ensureWritable();
    await Promise.all(
      Object.entries(changes).map(([key, item]) =>
        this.lock.run(key, async () => {
          const { eTag, ...value } = (item ?? {}) as Record<string, unknown>;
          const current = this.current(key);
          if (typeof eTag === 'string' && eTag !== '*' && eTag !== '') {
            if (!current || current.eTag !== eTag) throw new ETagConflictError(key);
          }
          await this.writeEnvelope(key, value, current);
        }),
      ),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await this.ensureWritable();
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
    await this.ensureWritable();
    return this.lock.run(key, async () => {
      const { eTag: _ignored, ...value } = item;
      if (this.current(key)) return false;
      return this.guarded(key, () => this.writeNewFile(key, { key, eTag: randomUUID(), value }, 0, true));
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
      if (!name.endsWith(ITEM_SUFFIX) || !name.startsWith(group)) continue;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(decodeItemFile(await fs.readFile(join(this.dir, name))).text) as Envelope;
      } catch {
        continue; // deleted while listing
      }
      if (envelope.key.startsWith(prefix)) yield envelope.key;
    }
  }

  /**
   * The directory, claimed for this process (unless read-only) and tidied: temporary files a crash left are removed,
   * files of the old format converted. A read-only store (the reports) claims nothing and changes nothing, so it may
   * run beside the bot.
   */
  private async ensureDir(): Promise<void> {
    if (this.lost) throw this.lost;
    const opening = this.opened;
    this.ready ??= fs
      .mkdir(this.dir, { recursive: true })
      .then(async () => {
        if (this.options.readOnly) return;
        // Claimed once: an attempt whose tidying failed keeps its claim for the next.
        this.release ??= await this.claim(opening);
        await this.removeTemporaryFiles();
        await this.convertJsonFiles();
      })
      .catch((error: unknown) => {
        this.ready = undefined; // tried again by the next call (readiness reports the store failing meanwhile)
        throw error;
      });
    await this.ready;
    if (this.lost) throw this.lost;
  }

  /** This process's claim on the directory (src/state/storeClaim.ts); given back at once if the store closed meanwhile. */
  private async claim(opening: number): Promise<() => Promise<void>> {
    const release = await claimStore(this.dir, (error) => {
      this.lost = error;
      this.options.onLost?.(error);
    });
    if (opening !== this.opened) {
      await release();
      throw new Error('the file store was closed');
    }
    return release;
  }

  private async ensureWritable(): Promise<void> {
    if (this.options.readOnly) throw new Error('this file store is read-only');
    await this.ensureDir();
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

  /**
   * Files of releases before December 2026 (the envelope as JSON, `.json`) become item files, once, at start, before
   * any read or write: every item file is written (temporary file, fsync, rename) and the directory fsync'd before any
   * JSON file is removed, so a crash leaves both, holding the same item, and the next start converts again. A file
   * that is not JSON is left (it was unreadable before too); any other error fails the start, to be tried again,
   * rather than serving the key as absent. 32 files at a time.
   */
  private async convertJsonFiles(): Promise<void> {
    const names = (await fs.readdir(this.dir)).filter((name) => JSON_NAME.test(name));
    if (names.length === 0) return;
    const converted: string[] = [];
    await inBatches(names, async (name) => {
      let envelope: Envelope;
      try {
        envelope = JSON.parse(await fs.readFile(join(this.dir, name), 'utf8')) as Envelope;
      } catch (error) {
        if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      if (typeof envelope.key !== 'string') return;
      await this.writeFileAtomically(this.pathOf(envelope.key), newItemFile(JSON.stringify(envelope), 0).file, false, false);
      converted.push(name);
    });
    await this.syncDir();
    await inBatches(converted, (name) => fs.rm(join(this.dir, name), { force: true }));
    await this.syncDir();
  }

  private pathOf(key: string): string {
    // Keys hold ids chosen by Teams; a hash keeps file names safe and of bounded length, and the key's first
    // segment in front lets list() skip other groups without opening their files.
    return join(this.dir, `${groupOf(key)}${GROUP_SEPARATOR}${createHash('sha256').update(key).digest('hex')}${ITEM_SUFFIX}`);
  }

  /** The item as stored: from memory, or read from its file (and kept). */
  private current(key: string): Stored | undefined {
    let slots = this.cache.get(key);
    if (slots === undefined) {
      try {
        const decoded = decodeItemFile(readFileSync(this.pathOf(key)));
        slots = { ...decoded, eTag: (JSON.parse(decoded.text) as Envelope).eTag };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        slots = ABSENT;
      }
      this.cache.set(key, slots);
    }
    return slots === ABSENT ? undefined : slots;
  }

  /** Parsed on every read: each caller gets its own objects, as from the file. */
  private parsed(key: string): Envelope | undefined {
    const slots = this.current(key);
    return slots ? (JSON.parse(slots.text) as Envelope) : undefined;
  }

  /**
   * Overwrites the item's older slot in place where it fits; otherwise (a new item, one that outgrew its slots, or one
   * whose last write failed) writes a whole new file.
   */
  private async writeEnvelope(key: string, value: Record<string, unknown>, current: Stored | undefined): Promise<void> {
    const envelope: Envelope = { key, eTag: randomUUID(), value };
    const seq = current ? current.seq + 1 : 0;
    await this.guarded(key, async () => {
      if (!current || this.unsure.has(key)) return this.writeNewFile(key, envelope, seq, false);
      const text = JSON.stringify(envelope);
      const slot = encodeSlot(text, seq);
      if (slot.length > current.capacity) return this.writeNewFile(key, envelope, seq, false, text);
      const fd = openSync(this.pathOf(key), 'r+');
      try {
        for (let at = 0; at < slot.length;) at += writeSync(fd, slot, at, slot.length - at, (seq % 2) * current.capacity + at);
        await fdatasyncAsync(fd);
      } finally {
        closeSync(fd);
      }
      this.cache.set(key, { text, seq, capacity: current.capacity, eTag: envelope.eTag });
      return true;
    });
  }

  /**
   * Runs a write of the key. Until it is known to have landed or not, the file may hold either item: a read meanwhile
   * goes to disk, and after a failure nothing kept for the key stays (the next read goes to disk), and the key's next
   * write replaces the whole file.
   */
  private async guarded(key: string, write: () => Promise<boolean>): Promise<boolean> {
    const before = this.cache.get(key);
    this.cache.delete(key);
    try {
      const written = await write();
      if (!written && before !== undefined) this.cache.set(key, before); // create-only refused: unchanged
      this.unsure.delete(key);
      return written;
    } catch (error) {
      this.cache.delete(key);
      this.unsure.add(key);
      throw error;
    }
  }

  /** Writes the item as a new file (atomically); with exclusive, fails (returns false) when the key has one. */
  private async writeNewFile(key: string, envelope: Envelope, seq: number, exclusive: boolean, text = JSON.stringify(envelope)): Promise<boolean> {
    const { file, capacity } = newItemFile(text, seq);
    const written = await this.writeFileAtomically(this.pathOf(key), file, exclusive);
    if (written) this.cache.set(key, { text, seq, capacity, eTag: envelope.eTag });
    return written;
  }

  /**
   * Writes a whole file atomically (temporary file, fsync, rename or link, then the directory's fsync unless the
   * caller does it once for many); false when create-only found one.
   */
  private async writeFileAtomically(target: string, data: Buffer, exclusive: boolean, syncDir = true): Promise<boolean> {
    const temp = `${target}.${randomUUID()}.tmp`;
    const fd = openSync(temp, 'w');
    try {
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
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw error;
        }
      } else {
        await fs.rename(temp, target);
        renamed = true; // the temporary name is gone with the rename: nothing to remove
      }
    } finally {
      if (!renamed) await fs.rm(temp, { force: true });
    }
    if (syncDir) await this.syncDir();
    return true;
  }
}

/** Runs `work` over the items, 32 at a time. */
async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 32) await Promise.all(items.slice(i, i + 32).map(work));
}

/** A key read and found to have no item. */
const ABSENT = Symbol('absent');
