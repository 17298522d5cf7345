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
  // One pass over the actions: a turn summarises the user's progress for each card it builds.
  const mustDoLeft: Action[] = [];
  const otherLeft: Action[] = [];
  let mustDoTotal = 0;
  let mustDoDone = 0;
  const actions = allActions(journey);
  for (const action of actions) {
    const done = progress.acknowledged[action.id] !== undefined;
    if (action.mustDo) {
      mustDoTotal++;
      if (done) mustDoDone++;
      else mustDoLeft.push(action);
    } else if (!done) otherLeft.push(action);
  }
  const left = mustDoLeft.length + otherLeft.length;
  return {
    done: actions.length - left,
    total: actions.length,
    mustDoTotal,
    mustDoDone,
    outstanding: otherLeft.length === 0 ? mustDoLeft : mustDoLeft.concat(otherLeft),
    complete: left === 0,
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
