/**
 * Turns through the real HTTP path: autocannon on loopback POSTs Teams activities to /api/messages of a bot
 * running in its own process, and every reply goes to the connector sink (another process). Our bot and the bare
 * echo bot run side by side and are measured alternately (echo question, bot question, echo ack, bot ack), each
 * after its own warm-up, under the same load (a fixed number of connections, each sending as fast as answered).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import autocannon from 'autocannon';
import { actionSubmit, adaptiveCardAction, personalMessage, sceneFrom, type ActivityUser, type TeamsScene } from '../test/helpers/activities';
import type { Child } from './lib/children';
import { allocatedMb } from './lib/gcTrace';
import type { Press } from './press';
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
  /**
   * KB the process allocated per turn in the window, from its `--trace-gc` lines (bench/lib/gcTrace.ts); undefined
   * when it was not started with --trace-gc. The first collection in the window only marks its start, so this is
   * exact to within one collection's worth.
   */
  readonly allocatedKbPerTurn: number | undefined;
  /** 2xx answers whose body held a card (1 KB or more): how an invoke's card comes back, in the HTTP response. */
  readonly cardsInResponse: number;
  /** Bytes of the 2xx answers, headers included, per answer: an invoke's card is in them. */
  readonly responseBytesPerTurn: number;
}

/**
 * question: a typed question in the personal chat, answered with a card sent to the connector.
 * ack: "Mark as done" on a step card as Teams sends it, an Action.Execute invoke (adaptiveCard/action), answered with
 * the refreshed card in the HTTP response: no connector call.
 * ackSubmit: the same press from an older client without Universal Actions, an Action.Submit message, answered by
 * updating the card through the connector (replyToId).
 */
export type TurnKind = 'question' | 'ack' | 'ackSubmit';

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
  const scene = benchScene(sinkUrl);
  const bodies: string[] = [];
  // Each pass over the users asks each of them another question. For ticks, one pass presses "Mark as done" on an
  // action and the next its "Undo", then the next action: every press changes the user's progress (a write), and
  // no journey completes, so the replies stay step cards round after round. (Ticking the next action every pass
  // completed every journey within two rounds, and later rounds measured the small "journey complete" card.)
  const passes = kind === 'question' ? 8 : Math.max(1, 2 * load.actionIds.length);
  for (let j = 0; j < count * passes; j++) {
    const i = from + (j % count);
    const pass = Math.floor(j / count);
    bodies.push(
      kind === 'question'
        ? questionBody(scene, i, load.questions[(i + pass * 7) % load.questions.length] ?? 'help')
        : pressBody(kind, scene, i, {
            verb: pass % 2 === 0 ? 'ack' : 'unack',
            actionId: load.actionIds[(i + Math.floor(pass / 2)) % load.actionIds.length] ?? 'mfa',
          }),
    );
  }
  return bodies;
}

/**
 * One body for each question, and each press ("Mark as done", then "Undo") of each action, that the turns above use,
 * spread over users `from` to `from + count - 1`: what the bench sends our bot to learn its replies (bench/replies.ts).
 */
export function everyTurnOnce(kind: TurnKind, sinkUrl: string, load: TurnLoad, from: number, count: number): string[] {
  const scene = benchScene(sinkUrl);
  if (kind === 'question') return load.questions.map((question, k) => questionBody(scene, from + (k % count), question));
  return load.actionIds.flatMap((actionId, k) => (['ack', 'unack'] as const).map((verb) => pressBody(kind, scene, from + (k % count), { verb, actionId })));
}

function benchScene(sinkUrl: string): TeamsScene {
  return sceneFrom({ serviceUrl: `${sinkUrl}/teams/`, appId: BENCH_APP_ID, tenantId: BENCH_TENANT });
}

/** User i, as the activities name them. */
function benchWho(i: number): { who: ActivityUser; conversationId: string } {
  const { ref, name } = benchUser(i);
  return { who: { userId: ref.userId, name, aadObjectId: ref.aadObjectId as string }, conversationId: ref.conversationId };
}

/** User i's question in their personal chat. */
function questionBody(scene: TeamsScene, i: number, text: string): string {
  const { who, conversationId } = benchWho(i);
  return JSON.stringify(personalMessage(scene, who, conversationId, text));
}

/** User i's press of a step card's button: an invoke (ack) or, from an older client, an Action.Submit (ackSubmit). */
function pressBody(kind: Exclude<TurnKind, 'question'>, scene: TeamsScene, i: number, press: Press): string {
  const { who, conversationId } = benchWho(i);
  const replyToId = String(1760951520000 + i);
  // Exactly what the step card's buttons carry (cards/templates/step.json).
  const data = { verb: press.verb, actionId: press.actionId, view: 'step' };
  const activity =
    kind === 'ack'
      ? adaptiveCardAction(scene, who, conversationId, { verb: press.verb, data }, { replyToId })
      : actionSubmit(scene, who, conversationId, data, { replyToId });
  return JSON.stringify(activity);
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
): Promise<Omit<TurnFigures, 'cpuMsPerTurn' | 'allocatedKbPerTurn'>> {
  let next = 0;
  let cardsInResponse = 0;
  let responseBytes = 0;
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
    instance.on('response', (_client: unknown, statusCode: number, bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) {
        samples.push(responseTime);
        responseBytes += bytes;
        if (bytes >= 1024) cardsInResponse++;
      } else failures++;
    });
  });
  const { p50, p99, n } = summarise(samples);
  // result.duration is autocannon's own measured window in seconds.
  return {
    rps: n / result.duration,
    p50,
    p99,
    turns: n,
    failures: failures + result.errors + result.timeouts,
    cardsInResponse,
    responseBytesPerTurn: responseBytes / Math.max(1, n),
  };
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

async function measured(target: Child, work: () => Promise<Omit<TurnFigures, 'cpuMsPerTurn' | 'allocatedKbPerTurn'>>): Promise<TurnFigures> {
  const logBefore = statSync(target.logFile).size;
  const cpuBefore = target.cpuMs();
  const figures = await work();
  const cpuMsPerTurn = (target.cpuMs() - cpuBefore) / Math.max(1, figures.turns);
  const allocated = allocatedMb(readFrom(target.logFile, logBefore));
  const allocatedKbPerTurn = allocated.collections > 1 ? (allocated.mb * 1024) / Math.max(1, figures.turns) : undefined;
  return { ...figures, cpuMsPerTurn, allocatedKbPerTurn };
}

/** A log file from the given byte on (V8 flushes each --trace-gc line as it prints it). */
function readFrom(file: string, from: number): string {
  const fd = openSync(file, 'r');
  try {
    const length = Math.max(0, fstatSync(fd).size - from);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, from);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export interface SinkCounts {
  readonly sent: number;
  readonly updated: number;
  readonly members: number;
  readonly created: number;
  readonly other: number;
  /** Bytes of request bodies the sink received: the replies' activities. */
  readonly bytesIn: number;
}

/** The connector sink's counters (to check that every turn really sent its reply). */
export async function sinkCounts(sinkUrl: string): Promise<SinkCounts> {
  const res = await fetch(`${sinkUrl}/stats`);
  return (await res.json()) as SinkCounts;
}
