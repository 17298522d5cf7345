import { mustDoActions, stepIndex, type Journey } from '../journey/journey';
import type { Progress } from '../journey/progress';

/**
 * The completion funnel, pure: which milestones a starter's progress shows, the ISO week a welcome falls in, and the
 * tallies that count them. Counts only: a tally never says who.
 */

/** A funnel milestone: welcomed, reached the second step, each must-do action, every must-do action, finished. */
export type Milestone = 'welcomed' | 'secondStep' | 'mustDoAll' | 'finished' | `action:${string}`;

/** Counts for one cohort (a week's or a push's welcomed starters). */
export interface FunnelTally {
  readonly welcomed: number;
  readonly secondStep: number;
  /** Per must-do action id. */
  readonly actions: Readonly<Record<string, number>>;
  readonly mustDoAll: number;
  readonly finished: number;
}

export const EMPTY_TALLY: FunnelTally = { welcomed: 0, secondStep: 0, actions: {}, mustDoAll: 0, finished: 0 };

/** The milestones a starter's progress shows now (welcomed is counted when the welcome goes out, not here). */
export function milestonesOf(progress: Progress, journey: Journey): Milestone[] {
  const found: Milestone[] = [];
  if (stepIndex(journey, progress.stepId) >= 1) found.push('secondStep');
  const mustDo = mustDoActions(journey);
  for (const action of mustDo) if (progress.acknowledged[action.id] !== undefined) found.push(`action:${action.id}`);
  if (mustDo.length > 0 && mustDo.every((a) => progress.acknowledged[a.id] !== undefined)) found.push('mustDoAll');
  if (progress.completedAt !== undefined) found.push('finished');
  return found;
}

/** Adds one starter's new milestones to a tally. */
export function addMilestones(tally: FunnelTally, milestones: readonly Milestone[]): FunnelTally {
  let next: FunnelTally = { ...tally, actions: { ...tally.actions } };
  for (const m of milestones) {
    if (m.startsWith('action:')) {
      const id = m.slice('action:'.length);
      next = { ...next, actions: { ...next.actions, [id]: (next.actions[id] ?? 0) + 1 } };
    } else {
      const field = m as 'welcomed' | 'secondStep' | 'mustDoAll' | 'finished';
      next = { ...next, [field]: next[field] + 1 };
    }
  }
  return next;
}

/** Sums tallies (overall from the weeks). */
export function sumTallies(tallies: readonly FunnelTally[]): FunnelTally {
  return tallies.reduce<FunnelTally>((sum, t) => {
    const actions: Record<string, number> = { ...sum.actions };
    for (const [id, n] of Object.entries(t.actions)) actions[id] = (actions[id] ?? 0) + n;
    return {
      welcomed: sum.welcomed + t.welcomed,
      secondStep: sum.secondStep + t.secondStep,
      mustDoAll: sum.mustDoAll + t.mustDoAll,
      finished: sum.finished + t.finished,
      actions,
    };
  }, EMPTY_TALLY);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The ISO 8601 week (UTC) a moment falls in, as 2026-W49. */
export function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the week's Thursday decides its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Longest period a report covers, in weeks (five years). */
export const MAX_REPORT_WEEKS = 260;

/** The ISO weeks a period touches, oldest first (at most MAX_REPORT_WEEKS). */
export function weeksBetween(from: Date, to: Date): string[] {
  const weeks: string[] = [];
  for (let t = from.getTime(); t <= to.getTime() && weeks.length < MAX_REPORT_WEEKS; t += DAY_MS) {
    const week = isoWeek(new Date(t));
    if (weeks.at(-1) !== week) weeks.push(week);
  }
  const last = isoWeek(to);
  if (weeks.length > 0 && weeks.length < MAX_REPORT_WEEKS && weeks.at(-1) !== last) weeks.push(last);
  return weeks;
}
