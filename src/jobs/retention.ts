import type { JourneyFlow } from '../journey/journeyFlow';
import type { Logger } from '../log';
import type { DueRule } from '../state/dueIndex';
import { retentionDue, type RetentionSettings } from '../state/retention';
import { userRefOf, type UserStore } from '../state/users';

/** What a retention sweep did. */
export interface RetentionReport {
  readonly checked: number;
  readonly erasedCompleted: number;
  readonly erasedInactive: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The retention index: a user is filed under the day their data outlives the policy (the earlier of completion plus
 * RETENTION_DAYS_AFTER_COMPLETION and last activity plus RETENTION_DAYS_INACTIVE), so a sweep reads only them. Being
 * seen again moves them later; finishing may move them earlier. Never later than retentionDue would erase them.
 */
export function retentionRule(settings: RetentionSettings, now: () => number): DueRule {
  return {
    name: 'retention',
    fingerprint: JSON.stringify({ afterCompletionDays: settings.afterCompletionDays, inactiveDays: settings.inactiveDays }),
    now,
    dueAt(record, progress) {
      const lastActive = Math.max(Date.parse(record.lastSeenAt), progress ? Date.parse(progress.lastActiveAt) : 0);
      const inactive = lastActive + settings.inactiveDays * DAY_MS;
      const completed = progress?.completedAt !== undefined ? Date.parse(progress.completedAt) + settings.afterCompletionDays * DAY_MS : Infinity;
      // NaN (an unreadable time) stays NaN: the index files such a user under today, looked at on every sweep.
      return Math.min(inactive, completed);
    },
  };
}

/** Keeps the retention index up from now on (the bot calls this at start; a sweep does too). */
export function trackRetention(users: UserStore, settings: RetentionSettings, now: () => Date): void {
  users.index.track(retentionRule(settings, () => now().getTime()));
}

/** Erases journeys N days after completion or M days of inactivity, as forget me would. Idempotent. */
export async function sweepRetention(deps: {
  users: UserStore;
  flow: JourneyFlow;
  settings: RetentionSettings;
  now: () => Date;
  log: Logger;
}): Promise<RetentionReport> {
  let erasedCompleted = 0;
  let erasedInactive = 0;
  // Only the users the index files under today or earlier (the first sweep over existing data reads everyone once).
  const rule = retentionRule(deps.settings, () => deps.now().getTime());
  const checked = await deps.users.index.sweep(rule, deps.users, async (_key, record, progress) => {
    const user = userRefOf(record);
    const due = retentionDue(record, progress, deps.now(), deps.settings);
    if (due === 'keep') return 'kept';
    await deps.flow.forget(user);
    if (due === 'completed') erasedCompleted++;
    else erasedInactive++;
    return 'erased';
  });
  deps.log.info({ event: 'retention.swept', checked, erasedCompleted, erasedInactive }, 'retention sweep done');
  return { checked, erasedCompleted, erasedInactive };
}
