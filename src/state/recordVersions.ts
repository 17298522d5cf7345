import { LRUCache } from 'lru-cache';

/**
 * Which user records this process has written since a moment. Every write of a record (or its removal) takes the next
 * number of one counter; the number of each record's last write is kept for the `max` records written last. A record
 * not among them was last written at or before `floor`, the highest number let go. So `of(key)` never goes down, and
 * goes up with every write of that record: two calls that agree mean no write of it came between them in this process.
 *
 * UserStore uses it so that a turn reads a user's record once (src/state/users.ts). It knows nothing of other processes
 * (other instances on Blob Storage): their writes are what the store's eTags are for.
 */
export class RecordVersions {
  private count = 0;
  private floor = 0;
  private readonly last: LRUCache<string, number>;

  constructor(max = 10_000) {
    this.last = new LRUCache<string, number>({
      max,
      // Only a record let go for room raises the floor; an overwrite of its own number does not.
      dispose: (version, _key, reason) => {
        if (reason === 'evict' && version > this.floor) this.floor = version;
      },
    });
  }

  /** Call once a write of the record at `key` has landed, failed or been given up: from now on it may differ. */
  wrote(key: string): void {
    this.last.set(key, ++this.count);
  }

  /** The record's version now: the number of its last write in this process, or the floor. */
  of(key: string): number {
    return this.last.get(key) ?? this.floor;
  }
}
