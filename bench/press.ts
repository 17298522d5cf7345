/**
 * A press of a step card's button, as the bench sends it, and the key our bot's reply to it is recorded under
 * (bench/replies.ts). Its own module, without imports, because the echo bot (built alone, bench/lib/build.ts) reads
 * the key too.
 */

/** "Mark as done" (ack) or "Undo" (unack) on an action. */
export interface Press {
  readonly verb: 'ack' | 'unack';
  readonly actionId: string;
}

/** The key of a press's reply: "ack mfa". */
export function pressKey(press: { readonly verb?: unknown; readonly actionId?: unknown }): string {
  return `${String(press.verb)} ${String(press.actionId)}`;
}
