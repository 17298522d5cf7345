/**
 * Turns through the real HTTP path: autocannon on loopback POSTs Teams activities to /api/messages of a bot
 * running in its own process, and every reply goes to the connector sink (another process). Our bot and the bare
 * echo bot run side by side and are measured alternately (echo question, bot question, echo ack, bot ack), each
 * after its own warm-up, under the same load (a fixed number of connections, each sending as fast as answered).
 */
import autocannon from 'autocannon';
import { actionSubmit, personalMessage, sceneFrom } from '../test/helpers/activities';
import type { Child } from './lib/children';
import { summarise } from './lib/stats';
import { BENCH_APP_ID, BENCH_TENANT, benchUser } from './lib/population';

export interface TurnFigures {
  /** Successful turns per second over the measured window. */
  readonly rps: number;
  /** Latency per turn in ms (client side: request sent → response read). */
  readonly p50: number;
  readonly p99: number;
  readonly turns: number;
  readonly failures: number;
  /** CPU the bot's process used per turn in the measured window, ms: less sensitive to other load than turns/s. */
  readonly cpuMsPerTurn: number;
}

export type TurnKind = 'question' | 'ack';

export interface TurnLoad {
  readonly connections: number;
  readonly seconds: number;
  /**
   * Users the measured turns are spread over (the first of the seeded population). The warm-up gives each of them
   * one turn first, so the measured turns are those of a visit under way: the user has written this hour.
   */
  readonly users: number;
  /** In-scope questions to ask, in rotation. */
  readonly questions: readonly string[];
  /** Journey action ids to acknowledge, in rotation. */
  readonly actionIds: readonly string[];
}

/**
 * The request bodies for one kind of turn: one per user, in rotation, so no user's turns queue behind each other.
 * Users `from` to `from + count - 1` of the seeded population (default: the load's users).
 */
export function turnBodies(kind: TurnKind, sinkUrl: string, load: TurnLoad, from = 0, count = load.users): string[] {
  const scene = sceneFrom({ serviceUrl: `${sinkUrl}/teams/`, appId: BENCH_APP_ID, tenantId: BENCH_TENANT });
  const bodies: string[] = [];
  // Each pass over the users asks each of them another question, or ticks the next action of the journey (a tick is
  // then a change, as a starter's are, not the same action again).
  const passes = kind === 'ack' ? Math.max(1, load.actionIds.length) : 8;
  for (let j = 0; j < count * passes; j++) {
    const i = from + (j % count);
    const pass = Math.floor(j / count);
    const { ref, name } = benchUser(i);
    const who = { userId: ref.userId, name, aadObjectId: ref.aadObjectId as string };
    const activity =
      kind === 'question'
        ? personalMessage(scene, who, ref.conversationId, load.questions[(i + pass * 7) % load.questions.length] ?? 'help')
        : actionSubmit(
            scene,
            who,
            ref.conversationId,
            // Exactly what the step card's "Mark as done" button carries (cards/templates/step.json).
            { verb: 'ack', actionId: load.actionIds[(i + pass) % load.actionIds.length] ?? 'mfa', view: 'step' },
            { replyToId: String(1760951520000 + i) },
          );
    bodies.push(JSON.stringify(activity));
  }
  return bodies;
}

/**
 * Runs autocannon against the bot's /api/messages, collecting every response time: for `seconds`, or (amount) until
 * that many requests were answered.
 */
async function hammer(
  url: string,
  bodies: readonly string[],
  connections: number,
  run: { seconds: number } | { amount: number },
): Promise<Omit<TurnFigures, 'cpuMsPerTurn'>> {
  let next = 0;
  const samples: number[] = [];
  let failures = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/api/messages`,
        connections,
        ...('amount' in run ? { amount: run.amount } : { duration: run.seconds }),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json; charset=utf-8' },
            setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
          },
        ],
      },
      (error, res) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(res)),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
      else failures++;
    });
  });
  const { p50, p99, n } = summarise(samples);
  // result.duration is autocannon's own measured window in seconds.
  return { rps: n / result.duration, p50, p99, turns: n, failures: failures + result.errors + result.timeouts };
}

/**
 * Warm-up: one turn for each user of the rotation (discarded); then the measured run of `seconds`. Round r starts
 * five passes further into the bodies than round r - 1, so a later round's ticks are new ones, not the same again.
 */
export async function measureTurns(target: Child, bodies: readonly string[], load: TurnLoad, round = 0): Promise<TurnFigures> {
  const start = (round * 5 * load.users) % bodies.length;
  const rotated = [...bodies.slice(start), ...bodies.slice(0, start)];
  await hammer(target.url, rotated.slice(0, load.users), load.connections, { amount: load.users });
  // The measured run starts with the next pass: every turn in it follows the user's warm-up turn.
  const rotation = [...rotated.slice(load.users), ...rotated.slice(0, load.users)];
  return measured(target, () => hammer(target.url, rotation, load.connections, { seconds: load.seconds }));
}

/** One turn for each body (each a user's first turn of a visit), measured. */
export async function measureOnce(target: Child, bodies: readonly string[], connections: number): Promise<TurnFigures> {
  return measured(target, () => hammer(target.url, bodies, connections, { amount: bodies.length }));
}

async function measured(target: Child, work: () => Promise<Omit<TurnFigures, 'cpuMsPerTurn'>>): Promise<TurnFigures> {
  const cpuBefore = target.cpuMs();
  const figures = await work();
  return { ...figures, cpuMsPerTurn: (target.cpuMs() - cpuBefore) / Math.max(1, figures.turns) };
}

/** The connector sink's counters (to check that every turn really sent its reply). */
export async function sinkCounts(sinkUrl: string): Promise<{ sent: number; updated: number; members: number; created: number; other: number }> {
  const res = await fetch(`${sinkUrl}/stats`);
  return (await res.json()) as { sent: number; updated: number; members: number; created: number; other: number };
}
