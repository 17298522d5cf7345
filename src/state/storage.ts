/**
 * Items by key, as a store reads and writes them. An item carries its eTag: on a write, a string eTag other than
 * "*" must still match the stored item's, or the write fails with ETagConflictError; none (or "*") writes anyway.
 * The same shape as botbuilder's StoreItems, so state written by earlier releases reads unchanged.
 */
export type StoreItems = Record<string, unknown>;

/**
 * The project's key-value store (file, Azure Blob, memory): botbuilder's Storage contract (read, write with eTags,
 * delete) plus what it lacks: create an item only if the key is free, a reachability check, and a listing.
 * Without create-only, two first writes for a new user race (a write without an eTag overwrites), and
 * "welcome exactly once" or "never lose an acknowledgement" cannot be promised.
 */
export interface AtomicStorage {
  /** The items stored under these keys; a key with no item is absent from the result. */
  read(keys: string[]): Promise<StoreItems>;
  /** Writes every item, each checked against its eTag (see StoreItems). */
  write(changes: StoreItems): Promise<void>;
  /** Deletes the items under these keys; a missing key is no error. */
  delete(keys: string[]): Promise<void>;
  /** Writes the item if no item has the key; resolves false (and writes nothing) if one exists. */
  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean>;
  /** Cheap round trip to prove the store is reachable (used by /readyz). */
  ping(): Promise<void>;
  /** Every key that starts with the prefix (for scheduled jobs: reminders, retention; never on a turn). */
  list(prefix: string): AsyncIterable<string>;
  /** Gives up what the store holds beyond its calls (the file store's claim on its directory), when it has any. */
  close?(): Promise<void>;
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
