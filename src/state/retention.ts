import type { Progress } from '../journey/progress';
import type { UserRecord } from './users';

export interface RetentionSettings {
  readonly afterCompletionDays: number;
  readonly inactiveDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a user's data has outlived the retention policy: N days after completing, or M days without activity. */
export function retentionDue(record: UserRecord, progress: Progress | undefined, now: Date, settings: RetentionSettings): 'keep' | 'completed' | 'inactive' {
  if (progress?.completedAt !== undefined && now.getTime() - Date.parse(progress.completedAt) > settings.afterCompletionDays * DAY_MS) {
    return 'completed';
  }
  const lastActive = Math.max(Date.parse(record.lastSeenAt), progress ? Date.parse(progress.lastActiveAt) : 0);
  if (now.getTime() - lastActive > settings.inactiveDays * DAY_MS) return 'inactive';
  return 'keep';
}
