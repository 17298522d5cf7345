/**
 * The one claim rule for "exactly once" sends (a user's welcome, a reminder stage): a sender writes `claimedAt` in
 * the user's record with an eTag before sending, and confirms or gives the claim back after. A claim holds for
 * CLAIM_MS, longer than any one send: while it holds, nobody else sends; once it has run out (the sender crashed),
 * the next event or job may claim again.
 */
export const CLAIM_MS = 2 * 60 * 1000;

/** True when a claim made at `claimedAt` still holds at `now` (epoch ms): another sender is at work. */
export function claimHolds(claimedAt: string | undefined, now: number): boolean {
  return claimedAt !== undefined && now - Date.parse(claimedAt) < CLAIM_MS;
}
