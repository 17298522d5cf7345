import type { Storage, StoreItems } from 'botbuilder';

/**
 * botbuilder's Storage plus one operation it lacks: create an item only if the key is free.
 * Without it two first writes for a new user race (a write without an eTag overwrites), and
 * "welcome exactly once" or "never lose an acknowledgement" cannot be promised.
 */
export interface AtomicStorage extends Storage {
  /** Writes the item if no item has the key; resolves false (and writes nothing) if one exists. */
  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean>;
  /** Cheap round trip to prove the store is reachable (used by /readyz). */
  ping(): Promise<void>;
  /** Every key that starts with the prefix (for scheduled jobs: reminders, retention; never on a turn). */
  list(prefix: string): AsyncIterable<string>;
}

/** The error a store throws when a write's eTag no longer matches (someone else wrote first). */
export class ETagConflictError extends Error {
  override name = 'ETagConflictError';
  constructor(key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
  }
}

/** True for an eTag conflict from any store: ours, botbuilder's MemoryStorage or BlobsStorage, or HTTP 412. */
export function isETagConflict(error: unknown): boolean {
  if (error instanceof ETagConflictError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { message?: unknown; statusCode?: unknown; code?: unknown };
  return (
    (typeof e.message === 'string' && e.message.includes('eTag conflict')) ||
    e.statusCode === 412 ||
    e.code === 'ConditionNotMet' ||
    e.code === 'BlobAlreadyExists'
  );
}

export type { Storage, StoreItems };
