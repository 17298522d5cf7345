/**
 * An organisation-wide rollout as the bot sees it: many users get the app at once, and Teams posts each one's
 * personal install events (installationUpdate 'add', then conversationUpdate with the bot in membersAdded) to the
 * bot, while its connector allows a fixed number of requests per second for the tenant and answers 429 with
 * Retry-After beyond it. Counts the welcome cards each user's chat received. Used by the storm tests and by
 * `npm run bench -- --only=storm`. No test-framework imports here.
 */
import { personalBotAdded, personalInstall, postActivity, type TeamsScene } from './activities';
import { startTeams } from './botHarness';
import type { TeamsEmulator, TeamsUser } from './teamsEmulator';

export interface InstallStorm {
  readonly teams: TeamsEmulator;
  readonly scene: TeamsScene;
  /** Adds n users to the tenant with the app installed (as a setup policy does before Teams tells the bot). */
  addUsers(n: number, tag?: string): TeamsUser[];
  /**
   * Posts each user's two install events at `perSecond` users a second, to the bot URL `target` picks for each
   * event (two instances behind a load balancer may get one event each). Resolves when every event was answered.
   */
  fire(users: readonly TeamsUser[], perSecond: number, target: (userIndex: number, event: 0 | 1) => string): Promise<FireResult>;
  /** Cards each user's personal chat received: the welcome and nothing else, once the storm is over. */
  welcomes(user: TeamsUser): number;
  tally(users: readonly TeamsUser[]): StormTally;
  /** Polls until every user has a welcome or the deadline passes; resolves whether all have one. */
  waitUntilWelcomed(users: readonly TeamsUser[], timeoutMs: number, onPoll?: () => void): Promise<boolean>;
  /** Time of the last card that reached a user's chat (emulator clock, epoch ms). */
  lastWelcomeAt(users: readonly TeamsUser[]): number;
  close(): Promise<void>;
}

export interface StormTally {
  readonly welcomed: number;
  readonly lost: number;
  /** Welcome cards beyond the first, summed over users. */
  readonly duplicated: number;
}

export interface FireResult {
  /** HTTP status of each answer (0: no answer, e.g. the connection was refused). */
  readonly statuses: readonly number[];
  /** Slowest answer, ms. */
  readonly slowestMs: number;
  /** Events not answered within the 15 s Teams waits (given up, as Teams does; counted with status 0). */
  readonly overFifteenSeconds: number;
}

let stormCounter = 0;

/** Starts a Teams emulator with Teams' per-conversation windows and `tenantPerSecond` for the tenant. */
export async function startInstallStorm(options: { tenantPerSecond: number }): Promise<InstallStorm> {
  const { teams, scene } = await startTeams({ tenantPerSecond: options.tenantPerSecond });
  stormCounter += 1;
  let added = 0;
  const conversationOf = new Map<string, string>();
  const counts = (): Map<string, number> => {
    const byConversation = new Map<string, number>();
    for (const a of teams.activities) {
      if (a.kind === 'send' || a.kind === 'reply') byConversation.set(a.conversationId, (byConversation.get(a.conversationId) ?? 0) + 1);
    }
    return byConversation;
  };
  const storm: InstallStorm = {
    teams,
    scene,
    addUsers(n, tag = `${process.pid}s${stormCounter}`) {
      return Array.from({ length: n }, () => {
        added += 1;
        const user = teams.addUser({
          aadObjectId: `00000000-0000-4000-a${String(stormCounter % 1000).padStart(3, '0')}-${String(added).padStart(12, '0')}`,
          userId: `29:storm-${tag}-${added}`,
          upn: `user.${tag}.${added}@nhs.net`,
          name: `User ${added}`,
        });
        teams.installApp(user);
        conversationOf.set(user.aadObjectId, teams.personalConversationId(user));
        return user;
      });
    },
    async fire(users, perSecond, target) {
      const statuses: number[] = [];
      let slowestMs = 0;
      let overFifteenSeconds = 0;
      const started = performance.now();
      const post = async (url: string, activity: Parameters<typeof postActivity>[1]): Promise<void> => {
        const t0 = performance.now();
        let status: number;
        try {
          // Teams gives up on a bot that has not answered within 15 s (and does not send the event again).
          status = (await postActivity(url, activity, { signal: AbortSignal.timeout(15_000) })).status;
        } catch {
          status = 0;
        }
        const ms = performance.now() - t0;
        slowestMs = Math.max(slowestMs, ms);
        if (ms >= 14_990) overFifteenSeconds += 1;
        statuses.push(status);
      };
      await Promise.all(
        users.map(async (user, i) => {
          const due = started + (i * 1000) / perSecond;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const who = { userId: user.userId, name: user.name, aadObjectId: user.aadObjectId };
          const conversationId = teams.personalConversationId(user);
          // Teams sends both, near enough together that they race.
          await Promise.all([
            post(target(i, 0), personalInstall(scene, who, conversationId)),
            post(target(i, 1), personalBotAdded(scene, who, conversationId)),
          ]);
        }),
      );
      return { statuses, slowestMs, overFifteenSeconds };
    },
    welcomes(user) {
      return counts().get(conversationOf.get(user.aadObjectId) ?? '') ?? 0;
    },
    tally(users) {
      const byConversation = counts();
      let welcomed = 0;
      let duplicated = 0;
      for (const u of users) {
        const n = byConversation.get(conversationOf.get(u.aadObjectId) ?? '') ?? 0;
        if (n > 0) welcomed += 1;
        duplicated += Math.max(0, n - 1);
      }
      return { welcomed, lost: users.length - welcomed, duplicated };
    },
    async waitUntilWelcomed(users, timeoutMs, onPoll) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        onPoll?.();
        if (storm.tally(users).lost === 0) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    lastWelcomeAt(users) {
      const wanted = new Set(users.map((u) => conversationOf.get(u.aadObjectId)));
      let last = 0;
      for (const a of teams.activities) if ((a.kind === 'send' || a.kind === 'reply') && wanted.has(a.conversationId)) last = Math.max(last, a.time);
      return last;
    },
    close: () => teams.close(),
  };
  return storm;
}
