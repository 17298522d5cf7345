/** A store that can be made slow or unavailable on demand, wrapping a real one. */
import type { StoreItems } from '../../src/state/storage';
import type { AtomicStorage } from '../../src/state/storage';

export class FaultyStorage implements AtomicStorage {
  /** When set, every operation fails with this error. */
  failing: Error | undefined;
  /** Extra delay for every operation, in ms. */
  delayMs = 0;

  constructor(private readonly inner: AtomicStorage) {}

  private async gate(): Promise<void> {
    // Unref'd: a test that ends with the store still slow must not hold Jest's worker open until the delay ends.
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs).unref());
    if (this.failing) throw this.failing;
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.gate();
    return this.inner.read(keys);
  }

  async write(changes: StoreItems): Promise<void> {
    await this.gate();
    return this.inner.write(changes);
  }

  async delete(keys: string[]): Promise<void> {
    await this.gate();
    return this.inner.delete(keys);
  }

  async createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    await this.gate();
    return this.inner.createIfAbsent(key, item);
  }

  async ping(): Promise<void> {
    await this.gate();
    return this.inner.ping();
  }

  async *list(prefix: string): AsyncIterable<string> {
    await this.gate();
    yield* this.inner.list(prefix);
  }
}

/** The error a storage client gives when the service is down. */
export function storageDown(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10000'), { code: 'ECONNREFUSED' });
}
