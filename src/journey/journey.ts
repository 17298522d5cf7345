/** A link as shown on a card: its id in links.json, the resolved URL and the button title. */
export interface Link {
  readonly id: string;
  readonly url: string;
  readonly title: string;
}

/** One thing a new user should do, which they acknowledge ("Mark as done: …"). */
export interface Action {
  readonly id: string;
  readonly title: string;
  /** A few words naming the action on its buttons ("Mark as done: UK mobile number"), so a screen reader tells them apart. */
  readonly short: string;
  readonly guidance: readonly string[];
  readonly links: readonly Link[];
  readonly mustDo: boolean;
}

/** One card of the journey: a section of the welcome email, with its actions (possibly none). */
export interface Step {
  readonly id: string;
  readonly title: string;
  readonly paragraphs: readonly string[];
  readonly links: readonly Link[];
  readonly actions: readonly Action[];
}

/** The whole welcome journey, in order. */
export interface Journey {
  readonly id: string;
  readonly version: number;
  readonly steps: readonly Step[];
}

/** Each journey's action lists, made once (the content is loaded once and never changes). */
const actionLists = new WeakMap<Journey, { readonly all: readonly Action[]; readonly mustDo: readonly Action[] }>();

function listsOf(journey: Journey): { readonly all: readonly Action[]; readonly mustDo: readonly Action[] } {
  let lists = actionLists.get(journey);
  if (!lists) {
    const all = Object.freeze(journey.steps.flatMap((step) => step.actions));
    lists = { all, mustDo: Object.freeze(all.filter((a) => a.mustDo)) };
    actionLists.set(journey, lists);
  }
  return lists;
}

/** Every action of the journey in order: the same list on every call, for a turn asks for it several times. */
export function allActions(journey: Journey): readonly Action[] {
  return listsOf(journey).all;
}

/** The must-do actions, in journey order: the same list on every call (the funnel asks on every tick). */
export function mustDoActions(journey: Journey): readonly Action[] {
  return listsOf(journey).mustDo;
}

/** The step holding an action, or undefined for an id the journey does not have (an old card). */
export function stepOfAction(journey: Journey, actionId: string): Step | undefined {
  return journey.steps.find((step) => step.actions.some((a) => a.id === actionId));
}

/** Finds an action by id. */
export function findAction(journey: Journey, actionId: string): Action | undefined {
  return allActions(journey).find((a) => a.id === actionId);
}

/** Position (0-based) of a step, or -1. */
export function stepIndex(journey: Journey, stepId: string): number {
  return journey.steps.findIndex((s) => s.id === stepId);
}
