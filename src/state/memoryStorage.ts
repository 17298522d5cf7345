import { MemoryStorage } from 'botbuilder';
import type { AtomicStorage } from './storage';

/** botbuilder's MemoryStorage with createIfAbsent, for unit tests and benchmarks. */
export class AtomicMemoryStorage extends MemoryStorage implements AtomicStorage {
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
