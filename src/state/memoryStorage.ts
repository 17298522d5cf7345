import { ETagConflictError, type AtomicStorage, type StoreItems } from './storage';

/**
 * A store in memory, for unit tests and benchmarks: items are kept as JSON text, so a caller never holds the
 * stored object, and eTags are checked before anything is written (a write with an eTag to an item deleted since
 * it was read is a conflict, never a resurrection), as in the file and blob stores.
 */
export class AtomicMemoryStorage implements AtomicStorage {
  private readonly memory = new Map<string, string>();
  private etag = 1;

  read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const stored = this.memory.get(key);
      if (stored !== undefined) items[key] = JSON.parse(stored) as unknown;
    }
    return Promise.resolve(items);
  }

  write(changes: StoreItems): Promise<void> {
    const entries = Object.entries(changes);
    for (const [key, item] of entries) {
      const eTag = (item as { eTag?: unknown } | undefined)?.eTag;
      if (typeof eTag !== 'string' || eTag === '*' || eTag === '') continue;
      const stored = this.memory.get(key);
      if (stored === undefined || (JSON.parse(stored) as { eTag?: string }).eTag !== eTag) return Promise.reject(new ETagConflictError(key));
    }
    for (const [key, item] of entries) this.memory.set(key, JSON.stringify({ ...(item as object), eTag: (this.etag++).toString() }));
    return Promise.resolve();
  }

  delete(keys: string[]): Promise<void> {
    for (const key of keys) this.memory.delete(key);
    return Promise.resolve();
  }

  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    // Checked and written synchronously, so two creates for one key cannot both succeed.
    if (this.memory.has(key)) return Promise.resolve(false);
    const { eTag: _ignored, ...value } = item;
    this.memory.set(key, JSON.stringify({ ...value, eTag: (this.etag++).toString() }));
    return Promise.resolve(true);
  }

  async *list(prefix: string): AsyncIterable<string> {
    for (const key of [...this.memory.keys()]) if (key.startsWith(prefix) && this.memory.has(key)) yield await Promise.resolve(key);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}
