/**
 * What the bench's second reference for a press, the saving card echo, does before it replies: it keeps the press the
 * way our bot keeps a tick, in the bot's own file store (src/state/fileStorage.ts) through the same eTag
 * read-modify-write (src/state/update.ts). One item per user, the actions they marked done and when: a read, from the
 * store's memory, and an overwrite of one slot with its fdatasync, confirmed before the reply. No templating, no
 * prelude, no progress rules, no due-day index: what a durable tick costs a bot that does nothing else (docs/bench.md).
 */
import type { AtomicStorage } from '../src/state/storage';
import { updateItem } from '../src/state/update';
import { replyKey } from './press';

/** A user's saved presses: action id → when it was marked done. */
export interface SavedPresses {
  readonly done: Readonly<Record<string, string>>;
}

/** The key a user's presses are kept under. */
export function savedPressKey(userId: string): string {
  return `bench-presses/${userId}`;
}

/**
 * Keeps one press of `activity` (an Action.Execute invoke or an Action.Submit, as the bench sends them): "Mark as
 * done" records the action, "Undo" removes it. Resolves once the store has confirmed the write. Throws for an
 * activity that is not a press (the echo then fails the turn, so a mismatch shows as failures).
 */
export async function savePress(
  store: AtomicStorage,
  activity: { readonly from: { readonly id: string }; readonly value?: unknown; readonly text?: unknown },
  at: Date,
): Promise<SavedPresses | undefined> {
  const [verb, actionId] = replyKey(activity).split(' ');
  if ((verb !== 'ack' && verb !== 'unack') || !actionId) throw new Error('not a press');
  return updateItem<SavedPresses>(
    store,
    savedPressKey(activity.from.id),
    (current) => {
      const done = { ...current?.done };
      if (verb === 'ack') done[actionId] = at.toISOString();
      else delete done[actionId];
      return { done };
    },
    3,
  );
}
