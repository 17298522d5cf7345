import { allActions, stepIndex, type Action, type Journey } from './journey';

/** Who started a user's journey: the user themselves (install) or a Local Administrator's push. */
export type StartedBy = { readonly kind: 'self' } | { readonly kind: 'la'; readonly name: string; readonly aadObjectId: string; readonly pushId: string };

/** A user's progress through the journey, as stored. Times are ISO strings. */
export interface Progress {
  readonly journeyId: string;
  readonly startedAt: string;
  readonly startedBy: StartedBy;
  readonly stepId: string;
  /** Acknowledged action id → when. */
  readonly acknowledged: Readonly<Record<string, string>>;
  readonly completedAt?: string;
  readonly lastActiveAt: string;
}

/** What a user has done and what is left, derived from progress; never stored. */
export interface ProgressSummary {
  readonly done: number;
  readonly total: number;
  readonly mustDoTotal: number;
  readonly mustDoDone: number;
  /** Outstanding actions, must-do first, then in journey order. */
  readonly outstanding: readonly Action[];
  readonly complete: boolean;
  readonly stepNumber: number;
  readonly stepCount: number;
}

/** A fresh journey at its first step. */
export function startProgress(journey: Journey, startedBy: StartedBy, now: Date): Progress {
  const first = journey.steps[0];
  if (!first) throw new Error('journey has no steps');
  return {
    journeyId: journey.id,
    startedAt: now.toISOString(),
    startedBy,
    stepId: first.id,
    acknowledged: {},
    lastActiveAt: now.toISOString(),
  };
}

/** Marks an action done (idempotent: the first time is kept). */
export function acknowledge(progress: Progress, journey: Journey, actionId: string, now: Date): Progress {
  if (progress.acknowledged[actionId] !== undefined) return touch(progress, now);
  const acknowledged = { ...progress.acknowledged, [actionId]: now.toISOString() };
  return withCompletion({ ...progress, acknowledged, lastActiveAt: now.toISOString() }, journey, now);
}

/** Undoes an acknowledgement. */
export function unacknowledge(progress: Progress, journey: Journey, actionId: string, now: Date): Progress {
  if (progress.acknowledged[actionId] === undefined) return touch(progress, now);
  const acknowledged = Object.fromEntries(Object.entries(progress.acknowledged).filter(([id]) => id !== actionId));
  return withCompletion({ ...progress, acknowledged, lastActiveAt: now.toISOString() }, journey, now);
}

/** Moves to a step the journey has; an unknown step leaves progress where it was. */
export function moveTo(progress: Progress, journey: Journey, stepId: string, now: Date): Progress {
  if (stepIndex(journey, stepId) < 0) return progress;
  return { ...progress, stepId, lastActiveAt: now.toISOString() };
}

/** The step after the given one, or undefined at the end. */
export function nextStepId(journey: Journey, stepId: string): string | undefined {
  const i = stepIndex(journey, stepId);
  return i >= 0 ? journey.steps[i + 1]?.id : undefined;
}

/** The step before the given one, or undefined at the start. */
export function previousStepId(journey: Journey, stepId: string): string | undefined {
  const i = stepIndex(journey, stepId);
  return i > 0 ? journey.steps[i - 1]?.id : undefined;
}

/** Counts and lists what is done and outstanding. Acknowledgements of actions the journey no longer has are ignored. */
export function summarise(progress: Progress, journey: Journey): ProgressSummary {
  const actions = allActions(journey);
  const isDone = (a: Action): boolean => progress.acknowledged[a.id] !== undefined;
  const outstanding = actions.filter((a) => !isDone(a));
  const mustDo = actions.filter((a) => a.mustDo);
  const index = Math.max(0, stepIndex(journey, progress.stepId));
  return {
    done: actions.length - outstanding.length,
    total: actions.length,
    mustDoTotal: mustDo.length,
    mustDoDone: mustDo.filter(isDone).length,
    outstanding: [...outstanding.filter((a) => a.mustDo), ...outstanding.filter((a) => !a.mustDo)],
    complete: outstanding.length === 0,
    stepNumber: index + 1,
    stepCount: journey.steps.length,
  };
}

function touch(progress: Progress, now: Date): Progress {
  return { ...progress, lastActiveAt: now.toISOString() };
}

function withCompletion(progress: Progress, journey: Journey, now: Date): Progress {
  const complete = allActions(journey).every((a) => progress.acknowledged[a.id] !== undefined);
  if (complete && progress.completedAt === undefined) return { ...progress, completedAt: now.toISOString() };
  if (!complete && progress.completedAt !== undefined) {
    const { completedAt: _dropped, ...rest } = progress;
    return rest;
  }
  return progress;
}
