import { mustDoActions, type Journey } from '../journey/journey';
import type { Progress, StartedBy } from '../journey/progress';
import { keys } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import { updateItem } from '../state/update';
import type { RecordSeen, UserRecord, UserRef, UserStore } from '../state/users';
import type { Telemetry } from '../telemetry/telemetry';
import { addMilestones, EMPTY_TALLY, isoWeek, milestonesOf, sumTallies, weeksBetween, type FunnelTally, type Milestone } from './funnel';

/** A week's tally, with the pushes whose starters were welcomed in it (so a report finds them without a scan). */
interface WeekItem extends FunnelTally {
  readonly pushes: readonly string[];
}

/** A push's tally, with the week its first starter was welcomed in. */
interface PushItem extends FunnelTally {
  readonly week: string;
}

/** Most pushes one week's tally names; more (an extraordinary week) are still counted in the week, not listed. */
const MAX_PUSHES_PER_WEEK = 1000;

/** The funnel a report shows. */
export interface FunnelReport {
  readonly weeks: readonly { readonly week: string; readonly tally: FunnelTally }[];
  readonly pushes: readonly { readonly pushId: string; readonly week: string; readonly tally: FunnelTally }[];
  readonly overall: FunnelTally;
  /** Must-do action ids in journey order, for the report's columns. */
  readonly mustDo: readonly string[];
}

/**
 * The completion funnel as the bot keeps it: a tally per welcome week and per push, updated (eTag read-modify-write)
 * the moment each event happens. Each starter's own record says which milestones were already counted, so a second
 * tap counts nothing. A report reads one item per week and per push in its period, however many users there are.
 */
export class FunnelStore {
  constructor(
    private readonly deps: {
      readonly storage: AtomicStorage;
      readonly users: UserStore;
      readonly journey: Journey;
      readonly telemetry: Telemetry;
      readonly retries: number;
      readonly now: () => Date;
    },
  ) {}

  /** A starter's journey welcome went out: they join this week's cohort (and their push's). Once per starter. */
  async welcomed(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>, startedBy: StartedBy): Promise<void> {
    const week = isoWeek(this.deps.now());
    const pushId = startedBy.kind === 'la' ? startedBy.pushId : undefined;
    let joined = false;
    await this.deps.users.updateRecord(user, (current) => {
      joined = false;
      if (!current || current.funnel !== undefined) return undefined;
      joined = true;
      return { ...current, funnel: { week, ...(pushId !== undefined ? { pushId } : {}), counted: ['welcomed'] } };
    });
    if (joined) await this.add(week, pushId, ['welcomed']);
  }

  /**
   * Counts the milestones a starter's progress shows for the first time (nothing for a starter outside the funnel).
   * `seen` is the starter's record as read with the progress change, if it was (saves reading it again: a request on
   * Azure Blob Storage). The milestones a record has counted only grow, so a record read a moment earlier can only send
   * the check on to the update below, which reads the record afresh and counts each milestone once. Joining the funnel
   * is the one change it could miss (the welcome going out on another instance meanwhile): a record without the funnel
   * whose welcome went out in the last few minutes is read again.
   */
  async progressed(user: UserRef, progress: Progress, seen?: RecordSeen): Promise<void> {
    const reached = milestonesOf(progress, this.deps.journey);
    if (reached.length === 0) return;
    let record = seen ? seen.record : await this.deps.users.record(user);
    if (seen && record && record.funnel === undefined && welcomedLately(record, this.deps.now())) record = await this.deps.users.record(user);
    const counted = record?.funnel?.counted;
    if (!counted || reached.every((m) => counted.includes(m))) return;
    let fresh: Milestone[] = [];
    const updated = await this.deps.users.updateRecord(user, (current) => {
      fresh = [];
      if (!current?.funnel) return undefined;
      const already = current.funnel.counted;
      fresh = reached.filter((m) => !already.includes(m));
      return fresh.length === 0 ? undefined : { ...current, funnel: { ...current.funnel, counted: [...already, ...fresh] } };
    });
    if (fresh.length > 0 && updated?.funnel) await this.add(updated.funnel.week, updated.funnel.pushId, fresh);
  }

  /** The funnel of the starters welcomed in the weeks a period touches: by week, by push, and overall. */
  async report(from: Date, to: Date): Promise<FunnelReport> {
    const weekIds = weeksBetween(from, to);
    const weekItems = await this.deps.storage.read(weekIds.map((w) => keys.funnelWeek(w)));
    const weeks = weekIds.map((week) => ({ week, tally: tallyOf(weekItems[keys.funnelWeek(week)] as WeekItem | undefined) }));
    const pushIds = weekIds.flatMap((w) => (weekItems[keys.funnelWeek(w)] as WeekItem | undefined)?.pushes ?? []);
    const pushItems = pushIds.length > 0 ? await this.deps.storage.read(pushIds.map((p) => keys.funnelPush(p))) : {};
    const pushes = pushIds.flatMap((pushId) => {
      const item = pushItems[keys.funnelPush(pushId)] as PushItem | undefined;
      return item ? [{ pushId, week: item.week, tally: tallyOf(item) }] : [];
    });
    const mustDo = mustDoActions(this.deps.journey).map((a) => a.id);
    return { weeks, pushes, overall: sumTallies(weeks.map((w) => w.tally)), mustDo };
  }

  private async add(week: string, pushId: string | undefined, milestones: readonly Milestone[]): Promise<void> {
    const { storage, retries, telemetry } = this.deps;
    await updateItem<WeekItem>(
      storage,
      keys.funnelWeek(week),
      (current) => {
        const base = current ?? { ...EMPTY_TALLY, pushes: [] };
        const pushes =
          pushId !== undefined && !base.pushes.includes(pushId) && base.pushes.length < MAX_PUSHES_PER_WEEK ? [...base.pushes, pushId] : base.pushes;
        return { ...addMilestones(base, milestones), pushes };
      },
      retries,
    );
    if (pushId !== undefined) {
      await updateItem<PushItem>(
        storage,
        keys.funnelPush(pushId),
        (current) => ({ ...addMilestones(current ?? EMPTY_TALLY, milestones), week: current?.week ?? week }),
        retries,
      );
    }
    for (const m of milestones) {
      const [stage, action] = m.startsWith('action:') ? ['action', m.slice('action:'.length)] : [m, undefined];
      telemetry.count('funnel', { stage, ...(action !== undefined ? { action } : {}), cohort_week: week, via: pushId !== undefined ? 'push' : 'self' });
    }
  }
}

function tallyOf(item: (FunnelTally & { eTag?: string }) | undefined): FunnelTally {
  if (!item) return EMPTY_TALLY;
  return { welcomed: item.welcomed, secondStep: item.secondStep, actions: { ...item.actions }, mustDoAll: item.mustDoAll, finished: item.finished };
}

/** How long after a welcome a record without the funnel may still be about to join it. */
const JOINING_MS = 10 * 60_000;

/** Whether the record's welcome was claimed or sent within JOINING_MS. */
function welcomedLately(record: UserRecord, now: Date): boolean {
  const at = record.welcome.sentAt ?? record.welcome.claimedAt;
  return at !== undefined && now.getTime() - Date.parse(at) < JOINING_MS;
}
