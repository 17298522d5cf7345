import { MemoryStorage, type StoreItems } from 'botbuilder';
import { ETagConflictError, type AtomicStorage } from './storage';

/** botbuilder's MemoryStorage with createIfAbsent, for unit tests and benchmarks. */
export class AtomicMemoryStorage extends MemoryStorage implements AtomicStorage {
  /**
   * As botbuilder's, except that a conflict is the ETagConflictError the other stores raise, is checked before
   * anything is written, and includes a write with an eTag to an item deleted since it was read (botbuilder's
   * would bring the item back).
   */
  override write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes ?? {})) {
      const eTag = (item as { eTag?: unknown } | undefined)?.eTag;
      if (typeof eTag !== 'string' || eTag === '*' || eTag === '') continue;
      const stored = this.memory[key];
      if (stored === undefined || (JSON.parse(stored) as { eTag?: string }).eTag !== eTag) return Promise.reject(new ETagConflictError(key));
    }
    return super.write(changes);
  }

  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    // Checked and written synchronously, so two creates for one key cannot both succeed.
    if (this.memory[key] !== undefined) return Promise.resolve(false);
    const { eTag: _ignored, ...value } = item;
    this.memory[key] = JSON.stringify({ ...value, eTag: (this.etag++).toString() });
    return Promise.resolve(true);
  }

  async *list(prefix: string): AsyncIterable<string> {
    // MemoryStorage.delete sets the value to undefined rather than removing the key.
    for (const key of Object.keys(this.memory)) if (key.startsWith(prefix) && this.memory[key] !== undefined) yield await Promise.resolve(key);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}
