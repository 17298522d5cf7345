import { lock } from 'proper-lockfile';

/**
 * The file store is for one process (docs/storage.md): it answers reads from what it last wrote and checks eTags under
 * its own locks, so a second process writing the same directory (a second App Service instance on a shared `/home`,
 * `npm run retention` from cron beside the running bot) would overwrite confirmed writes without either noticing.
 *
 * So the process that writes claims the directory first: proper-lockfile makes the directory `<dir>.lock` beside it
 * (mkdir is atomic; beside, so the store's directory holds items only) and refreshes its mtime every 5 s. A claim not refreshed for 10 s belongs to a process that is gone (killed, or
 * its machine lost), and is taken over; one that is fresh makes the claim fail, after waiting up to `waitMs` for it
 * to go stale. Stores in one process share one claim (a process is one owner, and the tests restart a bot in-process).
 */
/** A claim not refreshed for this long is stale. proper-lockfile refreshes it every half of this. */
const STALE_MS = 10_000;
/** How long a new owner waits by default: long enough for the claim of a process that was just killed to go stale. */
export const CLAIM_WAIT_MS = STALE_MS + 3_000;

/** Another process holds the directory. */
export class StoreInUseError extends Error {
  override name = 'StoreInUseError';
}

/** The claim was lost while held (its refresh failed for 10 s, or another process took it): stop writing. */
export class StoreClaimLostError extends Error {
  override name = 'StoreClaimLostError';
}

interface Held {
  holders: number;
  readonly release: () => Promise<void>;
  readonly onLost: Set<(error: StoreClaimLostError) => void>;
}

/** Claims of this process, by directory. */
const held = new Map<string, Promise<Held>>();

/**
 * Claims `dir` for this process; resolves the release. `onLost` is called if the claim is lost while held (the store
 * must then refuse writes). Rejects with StoreInUseError when another process holds it for longer than `waitMs`.
 */
export async function claimStore(dir: string, onLost: (error: StoreClaimLostError) => void, waitMs = CLAIM_WAIT_MS): Promise<() => Promise<void>> {
  let claim = held.get(dir);
  if (!claim) {
    claim = acquire(dir, waitMs);
    held.set(dir, claim);
    claim.catch(() => held.delete(dir));
  }
  const current = await claim;
  current.holders++;
  current.onLost.add(onLost);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    current.onLost.delete(onLost);
    if (--current.holders > 0 || held.get(dir) !== claim) return;
    held.delete(dir);
    await current.release();
  };
}

async function acquire(dir: string, waitMs: number): Promise<Held> {
  const onLost = new Set<(error: StoreClaimLostError) => void>();
  const retries = Math.max(0, Math.ceil(waitMs / 1_000));
  let release: () => Promise<void>;
  try {
    release = await lock(dir, {
      lockfilePath: `${dir}.lock`,
      realpath: false,
      stale: STALE_MS,
      retries: { retries, factor: 1, minTimeout: 1_000, maxTimeout: 1_000 },
      onCompromised: () => {
        held.delete(dir);
        const error = new StoreClaimLostError(`the file store in ${dir} is no longer this process's: another process took it over`);
        for (const listener of onLost) listener(error);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new StoreInUseError(`the file store in ${dir} is in use by another process (STORAGE=file is for one process; see docs/storage.md)`);
    }
    throw error;
  }
  return { holders: 0, release, onLost };
}
