import type { Progress, StartedBy } from '../journey/progress';
import type { ChatAddress } from './chatAddress';
import { DueIndex, type IndexSource } from './dueIndex';
import { KeyedLock } from './keyedLock';
import { keys, prefixes } from './keys';
import { RecordVersions } from './recordVersions';
import type { AtomicStorage } from './storage';
import { readItem, updateItem, type Mutation, type WriteHooks } from './update';

/** Who the bot is talking to, taken from an activity (or from a stored reference). */
export interface UserRef {
  readonly channelId: string;
  readonly tenantId: string;
  /** Teams user id in this bot's scope (29:…). */
  readonly userId: string;
  /** Entra object id; Teams sends it for every user. */
  readonly aadObjectId: string | undefined;
  /** The personal conversation with the bot. */
  readonly conversationId: string;
}

/** What the bot keeps about a user besides progress: how to reach them and whether they were welcomed. */
export interface UserRecord {
  readonly userId: string;
  readonly aadObjectId?: string;
  readonly tenantId: string;
  /** The user's UPN, once Teams told us (for LA pushes without Graph, and forget me). */
  readonly address?: string;
  readonly conversationId: string;
  readonly reference: ChatAddress;
  readonly installed: boolean;
  /**
   * The one welcome: claimed (being sent), sent, and, for a welcome sent before the chat existed (an LA's push),
   * who started the journey, so the journey's first use records it even if it comes before the push is recorded.
   */
  readonly welcome: { readonly claimedAt?: string; readonly sentAt?: string; readonly startedBy?: StartedBy };
  /** Reminders: the last schedule stage covered, how many were sent, and a claim while one is being sent. */
  readonly reminders?: { readonly stage: number; readonly sent: number; readonly lastAt?: string; readonly claimedAt?: string };
  /** The completion funnel: the cohort the starter was welcomed in, and the milestones already counted there (src/funnel/). */
  readonly funnel?: { readonly week: string; readonly pushId?: string; readonly counted: readonly string[] };
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

/** A user's record as a change read it a moment ago (undefined: they had none). */
export interface RecordSeen {
  readonly record: UserRecord | undefined;
  /**
   * The record's version in this process when it was read (`UserStore.updateRecordSeeing`): a change of the user's
   * progress handed it uses the record rather than reading it again, unless this process has written the record since.
   */
  readonly version?: number;
}

/** The channel every stored user is on: the bot runs in Teams only. */
export const TEAMS_CHANNEL = 'msteams';

/**
 * The one way to turn a stored record into the user it is about, in their personal chat with the bot. A record
 * written for an LA's push before the starter wrote has no chat yet (conversationId ''); callers check that.
 */
export function userRefOf(record: Pick<UserRecord, 'tenantId' | 'userId' | 'aadObjectId' | 'conversationId'>): UserRef {
  return { channelId: TEAMS_CHANNEL, tenantId: record.tenantId, userId: record.userId, aadObjectId: record.aadObjectId, conversationId: record.conversationId };
}

interface ProgressItem {
  journeyProgress: Progress;
}

/** Per-user state: the directory record and the journey progress, with optimistic concurrency. */
export class UserStore implements IndexSource {
  /** Serialises this process's writes per key; eTags still guard against other instances. */
  private readonly lock = new KeyedLock();
  /** Who is due what (reminders, retention), kept up by the writes below once a job tracks a rule (src/state/dueIndex.ts). */
  readonly index: DueIndex;
  /** Serialises a user's record and progress writes while index entries are kept up: each is computed from both. */
  private readonly indexLock = new KeyedLock();
  /** Which records this process wrote since a turn read them: what lets a turn read the record once. */
  private readonly versions = new RecordVersions();

  constructor(
    private readonly storage: AtomicStorage,
    private readonly retries: number,
  ) {
    this.index = new DueIndex(storage);
  }

  /** Reads a user's record. */
  record(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>): Promise<UserRecord | undefined> {
    return readItem<UserRecord>(this.storage, userKey(user));
  }

  /** Changes a user's record (read-modify-write, retried on conflict). */
  async updateRecord(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>, mutate: Mutation<UserRecord>): Promise<UserRecord | undefined> {
    return (await this.updateRecordSeeing(user, mutate)).record;
  }

  /**
   * Changes a user's record, and hands it back with its version, for a change of their progress later in the same turn
   * (`updateProgressSeeing`): that change then need not read the record again.
   */
  updateRecordSeeing(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>, mutate: Mutation<UserRecord>): Promise<RecordSeen> {
    const key = userKey(user);
    const change = async (hooks: WriteHooks<UserRecord> | undefined): Promise<RecordSeen> => {
      let writing = false;
      let record: UserRecord | undefined;
      try {
        record = await updateItem<UserRecord>(
          this.storage,
          key,
          (current) => {
            const next = mutate(current);
            writing ||= next !== undefined;
            return next;
          },
          this.retries,
          hooks,
        );
      } finally {
        // Still under the user's locks: whoever holds them next sees the new version (a failed write may have landed).
        if (writing) this.versions.wrote(key);
      }
      // Without the index (no hooks) there is nothing the version is for, and "forget" then erases without the record's
      // lock: no version.
      return hooks ? { record, version: this.versions.of(key) } : { record };
    };
    if (!this.index.tracking) return this.lock.run(key, () => change(undefined));
    return this.indexLock.run(key, () => this.lock.run(key, () => change(this.recordHooks(key))));
  }

  /** Reads a user's progress. */
  async progress(user: UserRef): Promise<Progress | undefined> {
    if (user.conversationId === '') return undefined; // no chat yet (an LA's welcome is on its way): no journey
    const item = await readItem<ProgressItem>(this.storage, progressKey(user));
    if (item) return item.journeyProgress;
    const legacy = legacyProgressKey(user);
    if (legacy === undefined) return undefined;
    return (await this.lock.run(progressKey(user), () => this.adoptLegacy(progressKey(user), legacy)))?.journeyProgress;
  }

  /** Changes a user's progress (read-modify-write, retried on conflict). */
  async updateProgress(user: UserRef, mutate: Mutation<Progress>): Promise<Progress | undefined> {
    return (await this.updateProgressSeeing(user, mutate)).progress;
  }

  /**
   * Changes a user's progress, and hands back the user's record where the change needed it (under the user's lock, to
   * keep the due-day index right): a caller that needs the record next (the completion funnel) need not read it again.
   * `seen` is absent when the record was not needed; `seen.record` is undefined when the user has none. `known` is the
   * record as this turn read it (`updateRecordSeeing`): it is used, rather than read again, when this process has not
   * written the record since. A write by another instance (Blob Storage) is not covered either way, as the lock is
   * this process's own: one that lands between the turn's read and this change is missed, where before only one
   * landing during the change's own read was. That window is now the turn's (its prelude to its progress change,
   * including any wait for the user's earlier presses) rather than one request.
   */
  async updateProgressSeeing(user: UserRef, mutate: Mutation<Progress>, known?: RecordSeen): Promise<{ progress: Progress | undefined; seen?: RecordSeen }> {
    if (user.conversationId === '') throw new Error("progress needs the user's personal conversation");
    const key = progressKey(user);
    const legacy = legacyProgressKey(user);
    if (this.index.tracking) {
      const recordKey = userKey(user);
      return this.indexLock.run(recordKey, async () => {
        // The record this turn read (its prelude), if this process has not written it since; else read under the lock.
        const version = this.versions.of(recordKey);
        const record = known?.version === version ? known.record : await this.record(user);
        return { progress: await this.writeProgress(user, key, legacy, mutate, this.progressHooks(recordKey, record)), seen: { record, version } };
      });
    }
    return { progress: await this.writeProgress(user, key, legacy, mutate, undefined) };
  }

  private async writeProgress(
    user: UserRef,
    key: string,
    legacy: string | undefined,
    mutate: Mutation<Progress>,
    hooks: WriteHooks<ProgressItem> | undefined,
  ): Promise<Progress | undefined> {
    const item = await this.lock.run(key, async () => {
      // Progress may still sit under its earlier key: only when none is found is that key read, and moved.
      let adopt = legacy;
      for (;;) {
        let absent = false;
        const result = await updateItem<ProgressItem>(
          this.storage,
          key,
          (current) => {
            if (current === undefined && adopt !== undefined) {
              absent = true;
              return undefined;
            }
            const next = mutate(current?.journeyProgress);
            return next === undefined ? undefined : { journeyProgress: next };
          },
          this.retries,
          hooks,
        );
        if (!absent || adopt === undefined) return result;
        await this.adoptLegacy(key, adopt);
        adopt = undefined;
      }
    });
    return item?.journeyProgress;
  }

  /** Erases the user's progress and record (the caller also clears what other modules keep). */
  async forget(user: UserRef): Promise<void> {
    const legacy = legacyProgressKey(user);
    // Under the progress key's lock, so that a move from the earlier key cannot bring the progress back afterwards.
    const erase = (): Promise<void> =>
      this.lock.run(progressKey(user), async () => {
        try {
          await this.storage.delete([progressKey(user), userKey(user), ...(legacy !== undefined ? [legacy] : [])]);
        } finally {
          this.versions.wrote(userKey(user));
        }
      });
    if (!this.index.tracking) return erase();
    await this.indexLock.run(userKey(user), async () => {
      const { record, progress } = await this.snapshot(userKey(user));
      const entries = this.index.entriesToErase(userKey(user), record, progress);
      await erase();
      await this.index.remove(entries); // after the items: a crash between leaves entries naming nobody, dropped when read
    });
  }

  /** Runs `work` while no change of the user's record or progress runs in this process (the due-day index's sweeps). */
  exclusive<T>(recordKey: string, work: () => Promise<T>): Promise<T> {
    return this.indexLock.run(recordKey, work);
  }

  /** A user's record and progress, by record key (the index's view of them). */
  async snapshot(recordKey: string): Promise<{ record: UserRecord | undefined; progress: Progress | undefined }> {
    const record = await this.recordAt(recordKey);
    return { record, progress: record ? await this.progressOf(record) : undefined };
  }

  private progressOf(record: UserRecord): Promise<Progress | undefined> {
    return this.progress(userRefOf(record));
  }

  /** Index upkeep around a record write: entries the new state needs first, entries only the old one needed after. */
  private recordHooks(key: string): WriteHooks<UserRecord> {
    const progressFor = async (record: UserRecord | undefined, known?: { conversationId: string; progress: Progress | undefined }) =>
      !record ? undefined : known?.conversationId === record.conversationId ? known.progress : this.progressOf(record);
    let pair: { before: string[]; after: string[] } | undefined;
    return {
      before: async (next, current) => {
        const progress = await progressFor(next);
        const old = await progressFor(current, { conversationId: next.conversationId, progress });
        pair = { before: this.index.entries(key, current, old), after: this.index.entries(key, next, progress) };
        await this.index.add(pair.after.filter((k) => !pair?.before.includes(k)));
      },
      after: async () => {
        if (pair) await this.removeQuietly(pair.before.filter((k) => !pair?.after.includes(k)));
      },
    };
  }

  /** Index upkeep around a progress write, against the user's record as read before it. */
  private progressHooks(key: string, record: UserRecord | undefined): WriteHooks<ProgressItem> | undefined {
    if (!record) return undefined; // no record, no entries: the record's first write files them
    let pair: { before: string[]; after: string[] } | undefined;
    return {
      before: async (next, current) => {
        pair = { before: this.index.entries(key, record, current?.journeyProgress), after: this.index.entries(key, record, next.journeyProgress) };
        await this.index.add(pair.after.filter((k) => !pair?.before.includes(k)));
      },
      after: async () => {
        if (pair) await this.removeQuietly(pair.before.filter((k) => !pair?.after.includes(k)));
      },
    };
  }

  /** An entry left behind is only read and dropped by the next sweep: not worth failing the user's write. */
  private async removeQuietly(keys: string[]): Promise<void> {
    try {
      await this.index.remove(keys);
    } catch {
      // left for the sweep
    }
  }

  /** Every user record key (for scheduled jobs). */
  async *recordKeys(): AsyncIterable<string> {
    for await (const key of this.storage.list(prefixes.directory)) if (key.includes('/users/')) yield key;
  }

  /**
   * Moves progress stored under its earlier key (by Teams id) to its key by Entra object id, once: copy
   * (create-only, so a concurrent first write wins), then remove the old item. Call under the key's lock.
   */
  private async adoptLegacy(key: string, legacy: string): Promise<ProgressItem | undefined> {
    const old = await readItem<ProgressItem>(this.storage, legacy);
    if (!old) return readItem<ProgressItem>(this.storage, key);
    await this.storage.createIfAbsent(key, { ...old });
    await this.storage.delete([legacy]);
    return readItem<ProgressItem>(this.storage, key);
  }

  /** Reads a record by its storage key. */
  recordAt(key: string): Promise<UserRecord | undefined> {
    return readItem<UserRecord>(this.storage, key);
  }
}

function userKey(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>): string {
  return keys.user(user.tenantId, user.aadObjectId ?? user.userId);
}

/**
 * Progress is keyed by the user's Entra object id where Teams gives it (always, for Teams users), else by
 * their Teams id. The object id is known before the user ever writes to the bot, so an LA's welcome can
 * start a journey without asking Teams for the user's Teams id (one rate-limited call fewer per starter).
 */
function progressKey(user: UserRef): string {
  return keys.progress(user.channelId, user.conversationId, user.aadObjectId?.toLowerCase() ?? user.userId);
}

/** Where progress was kept before it was keyed by object id (by Teams id), when that key differs. */
function legacyProgressKey(user: UserRef): string | undefined {
  if (user.aadObjectId === undefined || user.aadObjectId.toLowerCase() === user.userId.toLowerCase() || user.conversationId === '') return undefined;
  return keys.progress(user.channelId, user.conversationId, user.userId);
}
