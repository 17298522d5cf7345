import { promises as fs } from 'node:fs';
import type * as Lockfile from 'proper-lockfile';

/**
 * The file store is for one process (docs/storage.md): it answers reads from what it last wrote and checks eTags under
 * its own locks, so a second process writing the same directory (a second App Service instance on a shared `/home`,
 * `npm run retention` from cron beside the running bot) would overwrite confirmed writes without either noticing.
 *
 * So the process that writes claims the directory first: proper-lockfile makes the directory `<dir>.lock` beside it
 * (mkdir is atomic; beside, so the store's directory holds items only) and refreshes its mtime every 5 s. A claim not
 * refreshed for 10 s belongs to a process that is gone (killed, or its machine lost), and is taken over; claimants
 * attempt one at a time (whileTakingOver), as proper-lockfile's takeover is not atomic. A fresh claim makes the claim
 * fail after waiting up to `waitMs` for it to go stale. Stores
 * in one process share one claim (a process is one owner, and the tests restart a bot in-process).
 */
const STALE_MS = 10_000;
/** How long a new owner waits by default: long enough for the claim of a process that was just killed to go stale. */
const CLAIM_WAIT_MS = STALE_MS + 3_000;
const RETRY_MS = 1_000;
/** A takeover directory older than this was left by a claimant that died during its attempt. */
const TAKEOVER_STALE_MS = 5_000;

/** Another process holds the directory. */
export class StoreInUseError extends Error {
  override name = 'StoreInUseError';
}

/** The claim was lost while held (its refresh failed for 10 s, or another process took it over): stop writing. */
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
 * must then refuse every call). Rejects with StoreInUseError when another process holds it for longer than `waitMs`,
 * and at once for any other failure (a read-only or broken disk is not waited for).
 */
export async function claimStore(dir: string, onLost: (error: StoreClaimLostError) => void, waitMs = CLAIM_WAIT_MS): Promise<() => Promise<void>> {
  for (;;) {
    let claim = held.get(dir);
    if (!claim) {
      claim = acquire(dir, waitMs);
      held.set(dir, claim);
      claim.catch(() => held.delete(dir));
    }
    const current = await claim;
    if (held.get(dir) !== claim) continue; // released or lost while this caller waited: claim again
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
}

async function acquire(dir: string, waitMs: number): Promise<Held> {
  const lockDir = `${dir}.lock`;
  const onLost = new Set<(error: StoreClaimLostError) => void>();
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      // Loaded only when a file store is claimed: a bot on Azure storage never loads it (nor graceful-fs under it).
      const { lock } = require('proper-lockfile') as typeof Lockfile;
      const release = await whileTakingOver(lockDir, () =>
        lock(dir, {
          lockfilePath: lockDir,
          realpath: false,
          stale: STALE_MS,
          retries: 0,
          onCompromised: (error: Error) => {
            held.delete(dir);
            const lost = new StoreClaimLostError(`the file store in ${dir} is no longer this process's (${error.message}): another process may be writing it`);
            for (const listener of onLost) listener(lost);
          },
        }),
      );
      return { holders: 0, release, onLost };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        throw new StoreInUseError(`the file store in ${dir} is in use by another process (STORAGE=file is for one process; see docs/storage.md)`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

/**
 * Runs one attempt to claim under `<lock>.takeover`, a second directory made with mkdir, so that claimants attempt
 * one at a time: proper-lockfile takes a stale claim over with stat, rmdir and mkdir, and two claimants doing that at
 * once could both succeed. The takeover directory is held for milliseconds; one left by a process that died holding it
 * is removed after TAKEOVER_STALE_MS. ELOCKED while another claimant attempts.
 */
async function whileTakingOver<T>(lockDir: string, attempt: () => Promise<T>): Promise<T> {
  const takeover = `${lockDir}.takeover`;
  try {
    await fs.mkdir(takeover);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const since = await fs.stat(takeover).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    if (since < Date.now() - TAKEOVER_STALE_MS) await fs.rm(takeover, { recursive: true, force: true });
    throw Object.assign(new Error('another claimant is attempting'), { code: 'ELOCKED' });
  }
  try {
    return await attempt();
  } finally {
    await fs.rm(takeover, { recursive: true, force: true });
  }
}
