import { setTimeout as sleep } from 'node:timers/promises';
import { isETagConflict, type AtomicStorage } from './storage';

/** The store kept answering "someone else wrote first" more times than the retry budget allows. */
export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

/** What a mutation decided: the new value, or undefined to leave the item as it is. */
export type Mutation<T> = (current: T | undefined) => T | undefined;

/** Work around a write (indexes kept beside the item): `before` runs before each write attempt, `after` once one lands. */
export interface WriteHooks<T> {
  before(next: T, current: T | undefined): Promise<void>;
  after(next: T, current: T | undefined): Promise<void>;
}

/**
 * Read-modify-write with optimistic concurrency: the write carries the eTag that was read (or is a
 * create-only write for a new key), and a conflict re-reads and re-applies the mutation. This is what
 * botbuilder's BotState.saveChanges does not do (it writes with eTag '*', last writer wins), and it is
 * why 18 acknowledgements sent at the same moment are all kept.
 */
export async function updateItem<T extends object>(
  storage: AtomicStorage,
  key: string,
  mutate: Mutation<T>,
  retries: number,
  hooks?: WriteHooks<T>,
): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    const items = await storage.read([key]);
    const stored = items[key] as (T & { eTag?: string }) | undefined;
    let current: T | undefined;
    let eTag: string | undefined;
    if (stored) {
      const { eTag: tag, ...rest } = stored;
      current = rest as T;
      eTag = tag;
    }
    const next = mutate(current);
    if (next === undefined) return current;
    await hooks?.before(next, current);
    let written = false;
    try {
      if (current === undefined) {
        written = await storage.createIfAbsent(key, next as Record<string, unknown>);
      } else {
        await storage.write({ [key]: { ...next, eTag: eTag ?? '*' } });
        written = true;
      }
    } catch (error) {
      if (!isETagConflict(error)) throw error;
    }
    if (written) {
      await hooks?.after(next, current);
      return next;
    }
    if (attempt + 1 >= retries) throw new StateConflictError(`gave up writing ${key} after ${retries} conflicting attempts`);
    // Jittered backoff spreads competing writers apart.
    await sleep(Math.floor(Math.random() * (5 + attempt * 10)));
  }
}

/** Reads one item without its eTag. */
export async function readItem<T extends object>(storage: AtomicStorage, key: string): Promise<T | undefined> {
  const items = await storage.read([key]);
  const stored = items[key] as (T & { eTag?: string }) | undefined;
  if (!stored) return undefined;
  const { eTag: _eTag, ...rest } = stored;
  return rest as T;
}
