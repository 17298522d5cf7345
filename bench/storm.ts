/**
 * An install storm: an organisation-wide rollout installs the app for 5,000 users at 200 a second, and Teams posts
 * both personal install events for each to the bot, while the connector allows 30 requests/s for the tenant and
 * answers 429 with Retry-After beyond that. The bot runs as its own process (the built entry point, file store, as
 * deployed, delivery settings as docs/delivery.md recommends for a rollout); the Teams emulator and the load generator run in the bench process.
 * Time runs from the first install event to the last welcome that reached Teams. Floor = users ÷ tenant rate (one
 * rate-limited call per welcome). Lost = users with no welcome; duplicated = welcomes beyond the first.
 */
import { startInstallStorm } from '../test/helpers/installStorm';
import { startChild } from './lib/children';

export interface StormFigures {
  readonly users: number;
  readonly installsPerSecond: number;
  readonly tenantPerSecond: number;
  readonly welcomed: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly seconds: number;
  readonly floorSeconds: number;
  /** Install events answered with something other than 200 (or not at all). */
  readonly notOk: number;
  readonly slowestAnswerMs: number;
  readonly answersOverFifteenSeconds: number;
  /** 429s Teams answered; they are retried, so they cost time, not welcomes. */
  readonly throttled: number;
  /** Teams requests that succeeded, per user (1 is the floor's assumption). */
  readonly callsPerWelcome: number;
  readonly timedOut: boolean;
}

/** The one line `--only=storm` prints. */
export function stormLine(f: StormFigures): string {
  return `storm: ${f.welcomed}/${f.users} welcomed, ${f.lost} lost, ${f.duplicated} duplicated, ${f.seconds.toFixed(1)} s = ${(f.seconds / f.floorSeconds).toFixed(2)}× the floor`;
}

/** Fires the storm at the built bot and counts what reached Teams. */
export async function measureStorm(
  botEntry: string,
  env: Record<string, string>,
  options: { users: number; installsPerSecond: number; tenantPerSecond: number },
): Promise<StormFigures> {
  const { users: count, installsPerSecond, tenantPerSecond } = options;
  const storm = await startInstallStorm({ tenantPerSecond });
  const bot = await startChild({
    name: 'bot-storm',
    script: botEntry,
    // DELIVERY_CONCURRENCY=16 is docs/delivery.md's setting for a rollout: with the store busy with install turns,
    // each delivery takes a few hundred ms, and 4 at a time cannot keep 30 a second flowing.
    env: { ...env, STORAGE: 'file', LOG_LEVEL: 'warn', DELIVERY_TENANT_PER_SECOND: String(tenantPerSecond), DELIVERY_CONCURRENCY: '16' },
  });
  try {
    const users = storm.addUsers(count, 'bench');
    storm.teams.reset();
    const floorSeconds = count / tenantPerSecond;
    const started = Date.now();
    const fired = await storm.fire(users, installsPerSecond, () => `${bot.url}/api/messages`);
    const all = await storm.waitUntilWelcomed(users, Math.max(60_000, floorSeconds * 3 * 1000 - (Date.now() - started)));
    const last = storm.lastWelcomeAt(users);
    // Give late duplicates (a retry after a lost answer, a second instance of a job) time to show.
    await new Promise((r) => setTimeout(r, 5000));
    const { welcomed, lost, duplicated } = storm.tally(users);
    const ok = storm.teams.requests.filter((r) => r.status >= 200 && r.status < 300).length;
    return {
      users: count,
      installsPerSecond,
      tenantPerSecond,
      welcomed,
      lost,
      duplicated,
      seconds: ((all ? last : Date.now()) - started) / 1000,
      floorSeconds,
      notOk: fired.statuses.filter((s) => s !== 200).length,
      slowestAnswerMs: fired.slowestMs,
      answersOverFifteenSeconds: fired.overFifteenSeconds,
      throttled: storm.teams.requests.filter((r) => r.status === 429).length,
      callsPerWelcome: ok / Math.max(1, count),
      timedOut: !all,
    };
  } finally {
    await bot.stop();
    await storm.close();
  }
}
