import type { Progress } from '../journey/progress';
import { keys, prefixes } from './keys';
import type { AtomicStorage } from './storage';
import type { UserRecord } from './users';

const DAY_MS = 24 * 60 * 60 * 1000;
const RECORD_PREFIX = prefixes.directory;

/**
 * One scheduled job's view of a user: when they may next be due (reminders: the next stage; retention: the day their
 * data outlives the policy). A rule must never say "later" for a user who is due earlier: the index may hold entries
 * that are too early (they are read, re-checked and moved on), never only ones that are too late.
 */
export interface DueRule {
  /** Short, stable: part of every entry's key ("reminders", "retention"). */
  readonly name: string;
  /** The settings (and content) the due times depend on: a change rebuilds the index. */
  readonly fingerprint: string;
  /** The job's clock (tests run on virtual ones). */
  readonly now: () => number;
  /** When the user may next be due (epoch ms; a past time means now), or undefined when they never will be as things are. */
  dueAt(record: UserRecord, progress: Progress | undefined): number | undefined;
}

/** Where the index reads users from: every record key (the repair pass) and one user's two items. */
export interface IndexSource {
  recordKeys(): AsyncIterable<string>;
  snapshot(recordKey: string): Promise<{ record: UserRecord | undefined; progress: Progress | undefined }>;
  /** Runs `work` while no change of that user's record or progress runs in this process (their index entries hold still). */
  exclusive<T>(recordKey: string, work: () => Promise<T>): Promise<T>;
}

/** What a sweep did with a user it visited: left them (re-indexed from what it read) or erased them. */
export type Visit = 'kept' | 'erased';

interface RuleState {
  readonly fingerprint: string;
  /** The first day bucket the next sweep reads (every earlier bucket is empty). */
  readonly from: string;
}

/** The UTC day (YYYY-MM-DD) of an instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function nextDay(day: string): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
}

/**
 * Date-bucketed indexes of who is due what, so a scheduled job reads the users due that day and not everyone.
 *
 * - An entry `index-<rule>-<day>/<tenant>/users/<id>` says "look at this user on or after <day>" (UTC). Days in the
 *   past are written as today, so every entry is at or after the first day a sweep reads.
 * - UserStore keeps entries up as records change: the new entry is written before the item, the old one removed
 *   after it. A crash in between leaves an extra entry (read, re-checked against the record, moved or dropped),
 *   never a missing one.
 * - A sweep reads the buckets from its first unread day up to today, re-checks each user against their record (the
 *   index is a superset, never trusted on its own), and moves the entry to the day the user is next due. A move or a
 *   drop is decided again under the user's lock (UserStore.exclusive), from what is stored then: a change that landed
 *   after the sweep's read may have filed the same entry again, and must keep it.
 * - The repair pass rebuilds a rule's entries from every record: on the first sweep over existing data, and again
 *   whenever the rule's settings change. It only adds entries, so running it twice (or on two instances) is harmless.
 */
export class DueIndex {
  private readonly rules = new Map<string, DueRule>();

  constructor(private readonly storage: AtomicStorage) {}

  /** Keeps the rule's entries up from now on (idempotent; a later call with the same name replaces the rule). */
  track(rule: DueRule): void {
    this.rules.set(rule.name, rule);
  }

  /** Whether any rule is kept up (writes then maintain entries). */
  get tracking(): boolean {
    return this.rules.size > 0;
  }

  /** The entries a user's state calls for, one per tracked rule that says they may become due. */
  entries(recordKey: string, record: UserRecord | undefined, progress: Progress | undefined): string[] {
    if (!record) return [];
    const keys: string[] = [];
    for (const rule of this.rules.values()) {
      const key = this.entryFor(rule, recordKey, record, progress);
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }

  /**
   * The entries a user's state may be filed under, for erasing them: besides today's for a due day that has passed
   * (what `entries` gives), the due day itself, where the entry was filed while that day was ahead. Removing the one
   * that is not there costs nothing; missing it left an entry naming an erased user in a day the sweeps had passed
   * (users erased by the first, repair, sweep).
   */
  entriesToErase(recordKey: string, record: UserRecord | undefined, progress: Progress | undefined): string[] {
    if (!record) return [];
    const found = new Set<string>();
    for (const rule of this.rules.values()) {
      const due = rule.dueAt(record, progress);
      if (due === undefined) continue;
      found.add(keys.dueEntry(rule.name, filedDay(due, rule.now()), recordKey));
      if (Number.isFinite(due)) found.add(keys.dueEntry(rule.name, dayOf(due), recordKey));
    }
    return [...found];
  }

  /** Writes entries (create-only: an entry that exists is left as it is). */
  async add(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.storage.createIfAbsent(key, { at: Date.now() })));
  }

  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.storage.delete([...keys]);
  }

  /**
   * Visits every user the rule's buckets up to today name (or, the first time and after a settings change, every
   * user: the repair pass), then files each kept user under the day they are next due. Returns how many users were
   * visited. `visit` receives the user's record and progress as read now.
   */
  async sweep(
    rule: DueRule,
    source: IndexSource,
    visit: (recordKey: string, record: UserRecord, progress: Progress | undefined) => Promise<Visit>,
  ): Promise<number> {
    this.track(rule);
    const stateKey = keys.dueState(rule.name);
    const state = (await this.storage.read([stateKey]))[stateKey] as (RuleState & { eTag?: string }) | undefined;
    const today = dayOf(rule.now());
    const yesterday = dayOf(rule.now() - DAY_MS);
    if (state?.fingerprint !== rule.fingerprint) {
      const visited = await this.repair(rule, source, visit);
      await this.storage.write({ [stateKey]: { fingerprint: rule.fingerprint, from: yesterday } satisfies RuleState });
      return visited;
    }
    let visited = 0;
    let earliestKept: string | undefined;
    // A cursor from a clock running ahead is never trusted past today.
    for (let day = state.from < today ? state.from : yesterday; day <= today; day = nextDay(day)) {
      const keys: string[] = [];
      for await (const key of this.storage.list(prefixes.dueDay(rule.name, day))) keys.push(key);
      for (const key of keys) {
        const recordKey = RECORD_PREFIX + key.slice(prefixes.dueDay(rule.name, day).length);
        const { record, progress } = await source.snapshot(recordKey);
        if (!record) {
          await this.remove([key]); // forgotten since: nothing to do
          continue;
        }
        visited++;
        const outcome = await visit(recordKey, record, progress);
        let kept = outcome !== 'erased' && this.entryFor(rule, recordKey, record, progress) === key;
        if (!kept) {
          // Moved or dropped: decided again under the user's lock, from their state as it is now. A change since the
          // read above (a tick that opens the list again) may have filed this very entry again, and the create found
          // it there: removing it on the old reading would lose it.
          kept = await source.exclusive(recordKey, async () => {
            const now = outcome === 'erased' ? undefined : await source.snapshot(recordKey);
            const next = now?.record ? this.entryFor(rule, recordKey, now.record, now.progress) : undefined;
            if (next === key) return true;
            if (next !== undefined) await this.add([next]); // the new entry first: a crash here leaves two, not none
            await this.remove([key]);
            return false;
          });
        }
        if (kept) earliestKept = earliestKept === undefined || day < earliestKept ? day : earliestKept;
      }
    }
    const from = earliestKept !== undefined && earliestKept < yesterday ? earliestKept : yesterday;
    if (from !== state.from) await this.storage.write({ [stateKey]: { fingerprint: rule.fingerprint, from } satisfies RuleState });
    return visited;
  }

  /** Rebuilds one rule's entries from every record (idempotent), visiting each user as a sweep would. */
  private async repair(
    rule: DueRule,
    source: IndexSource,
    visit: (recordKey: string, record: UserRecord, progress: Progress | undefined) => Promise<Visit>,
  ): Promise<number> {
    let visited = 0;
    for await (const recordKey of source.recordKeys()) {
      const { record, progress } = await source.snapshot(recordKey);
      if (!record) continue;
      visited++;
      if ((await visit(recordKey, record, progress)) === 'erased') continue;
      const key = this.entryFor(rule, recordKey, record, progress);
      if (key !== undefined) await this.add([key]);
    }
    return visited;
  }

  private entryFor(rule: DueRule, recordKey: string, record: UserRecord, progress: Progress | undefined): string | undefined {
    const due = rule.dueAt(record, progress);
    return due === undefined ? undefined : keys.dueEntry(rule.name, filedDay(due, rule.now()), recordKey);
  }
}

/**
 * The day an entry is filed under: the due day, or today once it has passed (so the next sweep reads it). An
 * unreadable time files the user under today: looked at on every sweep rather than never.
 */
function filedDay(due: number, now: number): string {
  return dayOf(Number.isFinite(due) && due > now ? due : now);
}
