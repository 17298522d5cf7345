import type { TeamsGateway } from '../admin/welcomeDelivery';
import type { JourneyFlow } from '../journey/journeyFlow';
import type { Content } from '../content/load';
import { classifyDeliveryError } from '../delivery/classify';
import type { DeliveryQueue, JobHandler, NewJob } from '../delivery/queue';
import { TryLaterError } from '../delivery/retry';
import { summarise, type Progress } from '../journey/progress';
import { mustDoActions, type Journey } from '../journey/journey';
import type { Telemetry } from '../telemetry/telemetry';
import type { Logger } from '../log';
import { CLAIM_MS, claimHolds } from '../state/claim';
import type { DueRule } from '../state/dueIndex';
import { jobIds } from '../state/keys';
import { userRefOf, type UserRecord, type UserRef, type UserStore } from '../state/users';
import type { ReminderCards } from './reminderCard';
import { isWorkingTime, nextWorkingTime, type WorkingHours } from './workingHours';

/** The queue's name for reminders. */
export const REMINDER_KIND = 'reminder';

/** The delivery id of a starter's reminder at one stage: one per starter and stage, however many runs queue it. */
export function reminderJobId(user: { readonly tenantId: string; readonly userId: string; readonly aadObjectId?: string | undefined }, stage: number): string {
  return jobIds.reminder(user.tenantId, user.aadObjectId ?? user.userId, stage);
}

/** Every reminder delivery id a starter could have waiting (stages 1 to the schedule's length): forget me withdraws them. */
export function reminderJobIds(user: Parameters<typeof reminderJobId>[0], stages: number): string[] {
  return Array.from({ length: stages }, (_, i) => reminderJobId(user, i + 1));
}

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ReminderSettings {
  /** Days after the journey started for each reminder, ascending. */
  readonly afterDays: readonly number[];
  /** Most reminders one starter gets; 0 turns reminders off. */
  readonly max: number;
  readonly workingHours: WorkingHours;
}

/** What one run did. */
export interface ReminderReport {
  readonly checked: number;
  readonly queued: number;
  /** The run was outside working hours and queued nothing. */
  readonly outsideHours: boolean;
}

/**
 * The schedule stage due for a starter now, or undefined. Nobody is reminded who has no reachable chat, has
 * done every must-do action, was reminded at that stage (or the maximum number of times) already. A starter who
 * missed several stages (say, the job did not run) gets one reminder, for the latest stage due.
 */
export function reminderDue(
  record: UserRecord | undefined,
  progress: Progress | undefined,
  mustDo: { readonly done: number; readonly total: number },
  nowMs: number,
  settings: Pick<ReminderSettings, 'afterDays' | 'max'>,
): number | undefined {
  if (!record?.installed || !progress || record.welcome.sentAt === undefined) return undefined;
  if (mustDo.total === 0 || mustDo.done >= mustDo.total) return undefined;
  const state = record.reminders ?? { stage: 0, sent: 0 };
  if (state.sent >= settings.max) return undefined;
  const ageDays = (nowMs - Date.parse(progress.startedAt)) / DAY_MS;
  let stage = 0;
  settings.afterDays.forEach((days, i) => {
    if (ageDays >= days) stage = i + 1;
  });
  return stage > state.stage ? stage : undefined;
}

/**
 * The reminders index: a starter is filed under the day their next stage comes due (the journey's start plus that
 * stage's REMINDER_AFTER_DAYS), and not at all once nothing more can come due (must-dos done, the maximum sent, no
 * chat or no welcome). Never later than reminderDue would say, so a run that reads the buckets up to today misses nobody.
 */
export function reminderRule(settings: Pick<ReminderSettings, 'afterDays' | 'max'>, journey: Journey, now: () => number): DueRule {
  const mustDo = mustDoActions(journey).map((a) => a.id);
  return {
    name: 'reminders',
    fingerprint: JSON.stringify({ afterDays: settings.afterDays, max: settings.max, mustDo }),
    now,
    dueAt(record, progress) {
      if (!record.installed || !progress || record.welcome.sentAt === undefined) return undefined;
      const summary = summarise(progress, journey);
      if (summary.mustDoTotal === 0 || summary.mustDoDone >= summary.mustDoTotal) return undefined;
      const state = record.reminders ?? { stage: 0, sent: 0 };
      const days = settings.afterDays[state.stage];
      if (state.sent >= settings.max || days === undefined) return undefined;
      return Date.parse(progress.startedAt) + days * DAY_MS;
    },
  };
}

/**
 * Reminders: a run finds starters who are due and queues one delivery each (id per starter and stage, so a
 * second run queues nothing new); the delivery re-checks, claims the reminder in the starter's record (eTag
 * update), sends through the same rate-limited proactive connector as LA welcomes, and records it.
 */
export class Reminders {
  constructor(
    private readonly deps: {
      readonly users: UserStore;
      readonly flow: JourneyFlow;
      readonly content: Content;
      readonly cards: ReminderCards;
      readonly teams: TeamsGateway;
      readonly queue: DeliveryQueue;
      readonly settings: ReminderSettings;
      readonly now: () => Date;
      readonly log: Logger;
      readonly telemetry?: Telemetry;
    },
  ) {
    // From now on every write to a user keeps their reminder entry up; the first run files everyone already there.
    if (deps.settings.max > 0 && deps.settings.afterDays.length > 0) deps.users.index.track(this.rule);
  }

  private get rule(): DueRule {
    return reminderRule(this.deps.settings, this.deps.content.journey, () => this.deps.now().getTime());
  }

  /** Finds starters due a reminder and queues them; nothing outside working hours. Idempotent. */
  async run(): Promise<ReminderReport> {
    const { deps } = this;
    const nowMs = deps.now().getTime();
    if (deps.settings.max === 0 || deps.settings.afterDays.length === 0) return { checked: 0, queued: 0, outsideHours: false };
    if (!isWorkingTime(nowMs, deps.settings.workingHours)) {
      deps.log.info({ event: 'reminders.outsideHours' }, 'reminders not run outside working hours');
      return { checked: 0, queued: 0, outsideHours: true };
    }
    const jobs: NewJob[] = [];
    // Only the starters the index files under today or earlier: the rest are not due (src/state/dueIndex.ts).
    const checked = await deps.users.index.sweep(this.rule, deps.users, async (_key, record, progress) => {
      const stage = this.stageDue(record, progress, nowMs);
      if (stage === undefined) return 'kept';
      jobs.push({
        id: reminderJobId(record, stage),
        kind: REMINDER_KIND,
        payload: { tenantId: record.tenantId, userId: record.userId, aadObjectId: record.aadObjectId ?? null, stage },
      });
      return 'kept';
    });
    const queued = await deps.queue.enqueue(jobs);
    deps.telemetry?.count('reminders', { outcome: 'queued' }, queued);
    deps.log.info({ event: 'reminders.run', checked, due: jobs.length, queued }, 'reminders queued');
    return { checked, queued, outsideHours: false };
  }

  /** The queue's handler for reminder deliveries. */
  readonly handler: JobHandler = {
    deliver: (payload) => this.deliver(payload),
    giveUp: async (payload, reason) => {
      this.deps.log.warn({ event: 'reminder.failed', stage: payload.stage, reason }, 'reminder not delivered');
      this.deps.telemetry?.count('reminders', { outcome: 'failed' });
    },
  };

  private async check(record: UserRecord, nowMs: number): Promise<{ stage: number | undefined; progress: Progress | undefined; user: UserRef }> {
    const user = userRefOf(record);
    const progress = await this.deps.users.progress(user);
    return { stage: this.stageDue(record, progress, nowMs), progress, user };
  }

  private stageDue(record: UserRecord, progress: Progress | undefined, nowMs: number): number | undefined {
    const summary = progress ? summarise(progress, this.deps.content.journey) : undefined;
    return reminderDue(record, progress, { done: summary?.mustDoDone ?? 0, total: summary?.mustDoTotal ?? 0 }, nowMs, this.deps.settings);
  }

  private async deliver(payload: Record<string, unknown>): Promise<void> {
    const { deps } = this;
    const stage = Number(payload.stage);
    const ref = {
      tenantId: String(payload.tenantId),
      userId: String(payload.userId),
      aadObjectId: typeof payload.aadObjectId === 'string' ? payload.aadObjectId : undefined,
    };
    const nowMs = deps.now().getTime();
    const record = await deps.users.record(ref);
    if (!record) return; // forgotten ("forget me", retention) since it was queued: nobody to remind
    const { stage: due, progress, user } = await this.check(record, nowMs);
    if (due === undefined || due < stage || !progress) return; // finished, reminded already, or no longer reachable
    if (!isWorkingTime(nowMs, deps.settings.workingHours)) {
      const opens = nextWorkingTime(nowMs, deps.settings.workingHours) ?? nowMs + DAY_MS;
      throw new TryLaterError('outside working hours', opens - nowMs);
    }

    // Claim this stage in the starter's record: only one event (or instance) sends it.
    let won = false;
    const claimedAt = new Date(nowMs).toISOString();
    await deps.users.updateRecord(user, (current) => {
      won = false;
      if (!current) return undefined;
      const state = current.reminders ?? { stage: 0, sent: 0 };
      if (state.stage >= due) return undefined;
      if (claimHolds(state.claimedAt, nowMs)) return undefined;
      won = true;
      return { ...current, reminders: { ...state, claimedAt } };
    });
    if (!won) {
      const latest = await deps.users.record(user);
      if (latest?.reminders?.claimedAt !== undefined && (latest.reminders.stage ?? 0) < due) throw new TryLaterError('reminder being sent', CLAIM_MS);
      return;
    }

    const summary = summarise(progress, deps.content.journey);
    const card = deps.cards.card({
      mustDoDone: summary.mustDoDone,
      mustDoTotal: summary.mustDoTotal,
      mustDoLeft: summary.outstanding.filter((a) => a.mustDo).map((a) => a.title),
    });
    try {
      await deps.teams.sendCard(record.reference, card);
    } catch (error) {
      await deps.users.updateRecord(user, (current) =>
        current?.reminders?.claimedAt === claimedAt
          ? {
              ...current,
              reminders: {
                stage: current.reminders.stage,
                sent: current.reminders.sent,
                ...(current.reminders.lastAt ? { lastAt: current.reminders.lastAt } : {}),
              },
            }
          : undefined,
      );
      const failure = classifyDeliveryError(error);
      if (failure.kind === 'notInstalled' || failure.kind === 'gone') {
        await deps.flow.uninstalled(user); // they removed the app or the chat: stop reminding
        return;
      }
      throw error;
    }
    await deps.users.updateRecord(user, (current) => {
      if (!current) return undefined;
      const state = current.reminders ?? { stage: 0, sent: 0 };
      return { ...current, reminders: { stage: Math.max(state.stage, due), sent: state.sent + 1, lastAt: claimedAt } };
    });
    deps.log.info({ event: 'reminder.sent', stage: due }, 'reminder sent');
    deps.telemetry?.count('reminders', { outcome: 'sent', stage: String(due) });
  }
}
