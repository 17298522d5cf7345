import { isETagConflict, type AtomicStorage, type StoreItems } from '../state/storage';
import type { Telemetry } from './telemetry';

type Operation = 'read' | 'write' | 'delete' | 'createIfAbsent' | 'ping' | 'list';

/**
 * The store, timed: each operation is a span (Application Insights: dependencies) and a point on
 * welcomebot.storage.duration; failures also count on welcomebot.storage.errors. Keys never leave this class (they
 * hold user ids): the operation's name and outcome are all telemetry sees. An eTag conflict is an outcome, not an error.
 */
export class InstrumentedStorage implements AtomicStorage {
  constructor(
    private readonly inner: AtomicStorage,
    private readonly telemetry: Telemetry,
    private readonly store: string,
  ) {}

  read(keys: string[]): Promise<StoreItems> {
    return this.timed('read', () => this.inner.read(keys));
  }

  write(changes: StoreItems): Promise<void> {
    return this.timed('write', () => this.inner.write(changes));
  }

  delete(keys: string[]): Promise<void> {
    return this.timed('delete', () => this.inner.delete(keys));
  }

  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    return this.timed('createIfAbsent', () => this.inner.createIfAbsent(key, item));
  }

  ping(): Promise<void> {
    return this.timed('ping', () => this.inner.ping());
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  /** Listing is for scheduled jobs; the time to the first key is what is measured. */
  async *list(prefix: string): AsyncIterable<string> {
    const iterator = this.inner.list(prefix)[Symbol.asyncIterator]();
    const first = await this.timed('list', () => iterator.next());
    if (first.done) return;
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }

  private timed<T>(operation: Operation, work: () => Promise<T>): Promise<T> {
    return this.telemetry.time('storage', { operation, store: this.store }, async (span) => {
      try {
        const result = await work();
        span.set({ outcome: 'ok' });
        return result;
      } catch (error) {
        const conflict = isETagConflict(error);
        span.set({ outcome: conflict ? 'conflict' : 'error' });
        if (!conflict) this.telemetry.count('storage.errors', { operation, store: this.store });
        throw error;
      }
    });
  }
}
