/**
 * A press of a step card's button, as the bench sends it, and the key a turn's reply is recorded under
 * (bench/replies.ts). Its own module, without imports: the echo bot (built alone, bench/lib/build.ts) reads the key
 * too.
 */

/** "Mark as done" (ack) or "Undo" (unack) on an action. */
export interface Press {
  readonly verb: 'ack' | 'unack';
  readonly actionId: string;
}

/**
 * What a turn's recorded reply is found by, read off the activity as Teams sends it: for a press, its button and
 * action ("ack mfa"), from an invoke's `value.action.data` or an Action.Submit's `value`; for a question, its text.
 * The bench records under it (bench/replies.ts) and the card echo looks up by it (bench/echoBot.ts).
 */
export function replyKey(activity: { readonly text?: unknown; readonly value?: unknown }): string {
  const value = activity.value as ({ readonly action?: { readonly data?: Pressed } } & Pressed) | undefined;
  if (value === undefined || value === null) return String(activity.text ?? '');
  const press = value.action?.data ?? value;
  return `${String(press.verb)} ${String(press.actionId)}`;
}

interface Pressed {
  readonly verb?: unknown;
  readonly actionId?: unknown;
}
