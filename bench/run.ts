/**
 * `npm run bench`: every benchmark of issue 7 in one process tree on this machine, printed as a table and
 * written to bench/RESULTS.md (docs/bench.md explains the method and how to read it).
 *
 *   npm run bench                         everything (about 3–4 minutes)
 *   npm run bench -- --only=http,matching  some sections (written to bench/out/RESULTS.md instead)
 *   npm run bench -- --only=units          card expansion, item overwrites and the item cache, each against what it replaced
 *   npm run bench -- --profile             also CPU-profile the bot under load (bench/out/profiles/)
 *   npm run bench -- --only=storm          5,000 installs at 200/s against the rate-limited Teams emulator (one line)
 *   --seconds=8 --turn-users=1000 --connections=10 --rounds=3 --users=10000 --pushes=1000 --push-rate=30 --trials=3
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, type as osType } from 'node:os';
import { join } from 'node:path';
import { loadContent } from '../src/content/load';
import { allActions } from '../src/journey/journey';
import { FileStorage } from '../src/state/fileStorage';
import { blobEnv, blobStorageAvailable, openBlobStore, startAzurite } from './adapters/storage';
import { measureOnce, measureTurns, sinkCounts, turnBodies, type TurnFigures, type TurnKind, type TurnLoad } from './httpTurns';
import { buildForBench, ROOT } from './lib/build';
import { OUT_DIR, startChild, type Child } from './lib/children';
import { seedUsers } from './lib/population';
import { cpuRounds, fmt, markdownTable, ratio, textTable } from './lib/stats';
import { labelledQuestions } from './adapters/matcher';
import { measureMatching, type MatchingFigures } from './matching';
import { recordReplies, RECORDING_USERS } from './replies';
import { measureUnits, type UnitFigures } from './units';
import { summariseProfile } from './profile';
import { measurePushes, type PushFigures } from './pushes';
import { measureScale, scaleAzuriteLine, scaleLine, total, type ScaleFigures, type ScalePhase } from './scale';
import { cpuMs, watchStalls, type StallWatch } from './lib/processWatch';
import { measureStartup, type StartupFigures } from './startup';
import { measureStorm, stormLine, type StormFigures } from './storm';
import { DEPLOYED_NODE_OPTIONS } from './lib/deployed';

const SECTIONS = ['matching', 'units', 'startup', 'http', 'pushes', 'storm', 'scale', 'scale-azurite', 'http-blob'] as const;
type Section = (typeof SECTIONS)[number];
/**
 * Run when --only is not given. On request only: scale-azurite seeds 110,000 users into Azurite and deletes from it
 * (over an hour on 2 cores); http-blob measures turns on Azurite against the file store (docs/deploy.md's sizing).
 */
const DEFAULT_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s !== 'scale-azurite' && s !== 'http-blob');

interface Options {
  only: Set<Section>;
  profile: boolean;
  seconds: number;
  /** Users the measured turns rotate over (each has one turn of warm-up first). */
  turnUsers: number;
  connections: number;
  users: number;
  pushes: number;
  pushRate: number;
  trials: number;
  /** Rounds of (card echo, bot) per kind of turn: the CPU ratio reported is their median. */
  rounds: number;
}

function options(argv: readonly string[]): Options {
  const arg = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const num = (name: string, fallback: number): number => {
    const v = arg(name) ?? process.env[`BENCH_${name.toUpperCase().replace('-', '_')}`];
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const only = (arg('only') ?? DEFAULT_SECTIONS.join(',')).split(',').map((s) => s.trim());
  for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
  const turnUsers = num('turn-users', 1000);
  const users = num('users', 10_000);
  // Questions and invoke ticks go to the first turn-users, older clients' ticks to the next as many, the
  // first-visit questions to users after those, and the recording of our bot's replies to the last few.
  if (users <= 2 * turnUsers + RECORDING_USERS) throw new Error(`--users must be more than twice --turn-users and ${RECORDING_USERS}`);
  return {
    only: new Set(only as Section[]),
    profile: argv.includes('--profile') || process.env.BENCH_PROFILE === '1',
    seconds: num('seconds', 8),
    turnUsers,
    connections: num('connections', 10),
    users,
    pushes: num('pushes', 1000),
    pushRate: num('push-rate', 30),
    trials: num('trials', 3),
    rounds: num('rounds', 3),
  };
}

const say = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

interface HttpFigures {
  readonly echo: Record<TurnKind, TurnFigures>;
  /** The echo bot replying with ready-made cards like the bot's (reference). */
  readonly echoCards: Record<TurnKind, TurnFigures>;
  /** Bytes of a turn's reply (bench/replies.ts), in the median round: the reference's should be our bot's. */
  readonly replyBytes: Record<'echoCards' | 'bot', Record<TurnKind, number>>;
  readonly bot: Record<TurnKind, TurnFigures>;
  /** Each round's CPU per turn, bot ÷ card echo, in the order measured (echoCards and bot above are the median round's). */
  readonly rounds: Record<TurnKind, number[]>;
  /** Presses only: the card echo that also keeps each press in a file store (bench/savedPress.ts), and the bot, in the round of the median ratio. */
  readonly echoSaves: Partial<Record<TurnKind, { readonly saving: TurnFigures; readonly bot: TurnFigures }>>;
  /** Presses only: each round's CPU per turn, bot ÷ saving card echo. */
  readonly savingRounds: Partial<Record<TurnKind, number[]>>;
  /** Questions that are each user's first turn of a visit (the record saved, the retention entry moved), bot only. */
  readonly firstTurns: TurnFigures;
  /** Replies the connector received during each bot phase (warm-up included) vs turns answered. */
  readonly repliesOk: Record<TurnKind, boolean>;
  readonly botPeakMb: number;
  readonly echoPeakMb: number;
  readonly botRssAfterMb: number;
  readonly profileSummary: string | undefined;
}

interface Results {
  matching?: MatchingFigures;
  units?: UnitFigures;
  seedMs?: number;
  startupFile?: StartupFigures;
  /** The same, with node's default heap settings (no NODE_OPTIONS): what the recommendation saves. */
  startupFileDefaults?: StartupFigures;
  startupEcho?: StartupFigures;
  startupBlob?: (StartupFigures & { seedMs: number }) | 'n/a (blob storage not merged)';
  http?: HttpFigures;
  httpBlob?: BlobTurnFigures;
  pushes?: PushFigures;
  storm?: StormFigures;
  scale?: { readonly small: ScaleFigures; readonly large: ScaleFigures };
}

/** Settings the bot runs with in every child: production-like (node options as deployed), anonymous (no app id), logs at info. */
function botEnv(dataDir: string): Record<string, string> {
  // BENCH_BOT_ENV='{"STORAGE":"memory"}' runs a diagnostic variant (e.g. to separate storage from the rest).
  const extra = process.env.BENCH_BOT_ENV ? (JSON.parse(process.env.BENCH_BOT_ENV) as Record<string, string>) : {};
  return { NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'info', STORAGE: 'file', NODE_OPTIONS: DEPLOYED_NODE_OPTIONS, ...extra };
}

/** An answer card and a ticked step card, built by the bot's own card code (the gallery's catalogue). */
/** Users whose question is the first turn of their visit: after the rotation's, before the recording's. */
function firstVisits(opts: Options): number {
  return Math.min(3000, opts.users - 2 * opts.turnUsers - RECORDING_USERS);
}

/** The kinds of turn measured, in order (bench/httpTurns.ts says what each is). */
const TURN_KINDS: readonly TurnKind[] = ['question', 'ack', 'ackSubmit'];
/** The kinds that are presses: measured against the saving card echo too. */
const PRESS_KINDS: readonly TurnKind[] = ['ack', 'ackSubmit'];
const TURN_LABELS: Record<TurnKind, string> = {
  question: 'Question turn',
  ack: 'Acknowledgement turn',
  ackSubmit: 'Acknowledgement turn, older client (Action.Submit)',
};

/** The measured turns' load: who, how long, how many at once, and the questions and actions they use. */
function turnLoad(opts: Options): TurnLoad {
  return {
    connections: opts.connections,
    seconds: opts.seconds,
    users: opts.turnUsers,
    questions: labelledQuestions()
      .filter((q) => q.intent !== null)
      .map((q) => q.text),
    actionIds: allActions(loadContent(join(ROOT, 'cards')).journey).map((a) => a.id),
  };
}

async function runHttp(opts: Options, built: Awaited<ReturnType<typeof buildForBench>>, dataDir: string): Promise<HttpFigures> {
  const load = turnLoad(opts);
  const sink = await startChild({ name: 'sink', script: built.sinkEntry, env: {} });
  const echo = await startChild({ name: 'echo', script: built.echoEntry, env: {} });
  const profileDir = join(OUT_DIR, 'profiles');
  // --trace-gc on the two compared: what each allocates per turn (bench/lib/gcTrace.ts), a figure the VM's drift
  // does not move. It prints a line per collection, a few per thousand turns, to each one's log alike.
  const bot = await startChild({
    name: 'bot',
    script: built.botEntry,
    // The per-user message limit (default 20 a minute) is abuse protection; the load spreads over 10,000 users,
    // but a short run may still send one user several questions, so the limit is raised out of the way.
    env: { ...botEnv(dataDir), USER_MESSAGES_PER_MINUTE: '1000' },
    nodeArgs: ['--trace-gc', ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
  });
  const children: Child[] = [sink, echo, bot];
  try {
    // The reference replies with our bot's own replies to the same turns (bench/replies.ts), learnt first.
    const recorder = await startChild({ name: 'sink-recording', script: built.sinkEntry, env: { SINK_RECORD: '1' } });
    children.push(recorder);
    say(
      `recording our bot's reply to each of ${load.questions.length} questions and ${2 * load.actionIds.length} presses of each kind (users it is not measured on)`,
    );
    const replies = await recordReplies(bot, recorder, load, opts.users - RECORDING_USERS);
    await recorder.stop();
    const cardsFile = join(OUT_DIR, 'echo-cards.json');
    writeFileSync(cardsFile, JSON.stringify(replies));
    const echoWithCards = await startChild({ name: 'echo-cards', script: built.echoEntry, env: { ECHO_CARDS: cardsFile }, nodeArgs: ['--trace-gc'] });
    children.push(echoWithCards);
    // The same, keeping each press in a file store of its own before it replies (bench/savedPress.ts).
    const echoSaving = await startChild({
      name: 'echo-saving',
      script: built.echoEntry,
      env: { ECHO_CARDS: cardsFile, ECHO_SAVE_DIR: mkdtempSync(join(tmpdir(), 'bench-echo-presses-')) },
      nodeArgs: ['--trace-gc'],
    });
    children.push(echoSaving);
    const figures = { echo: {}, echoCards: {}, bot: {} } as Record<'echo' | 'echoCards' | 'bot', Record<TurnKind, TurnFigures>>;
    const echoSaves: HttpFigures['echoSaves'] = {};
    const savingRounds: HttpFigures['savingRounds'] = {};
    const bytes = { echoCards: {}, bot: {} } as HttpFigures['replyBytes'];
    const rounds = { question: [], ack: [], ackSubmit: [] } as Record<TurnKind, number[]>;
    const repliesOk = {} as Record<TurnKind, boolean>;
    const replyBytes = new Map<TurnFigures, number>();
    const measure = async (kind: TurnKind, name: string, target: Child, bodies: readonly string[], round: number): Promise<TurnFigures> => {
      say(
        `${kind} turns → ${name} bot, round ${round + 1} (a warm-up turn for each of ${load.users} users, then ${opts.seconds}s, ${opts.connections} connections)`,
      );
      const before = await sinkCounts(sink.url);
      const result = await measureTurns(target, bodies, load, round);
      const after = await sinkCounts(sink.url);
      say(
        `  ${fmt(result.rps)} turns/s, p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms, ${fmt(result.cpuMsPerTurn, 2)} ms CPU/turn, ${result.failures} failed`,
      );
      // A message's reply goes to the connector; an invoke's card comes back in the HTTP response.
      const replied = kind === 'ack' ? result.cardsInResponse : after.sent - before.sent + (after.updated - before.updated);
      if (name === 'bot') repliesOk[kind] = (repliesOk[kind] ?? true) && replied >= result.turns;
      // Bytes of a turn's reply: an invoke's HTTP answer, or what the connector received (warm-up turns included).
      replyBytes.set(result, kind === 'ack' ? result.responseBytesPerTurn : (after.bytesIn - before.bytesIn) / Math.max(1, result.turns + load.users));
      return result;
    };
    for (const kind of TURN_KINDS) {
      // The older clients' presses go to the next 1,000 users, so that the two kinds of press do not share progress.
      const bodies = turnBodies(kind, sink.url, load, kind === 'ackSubmit' ? load.users : 0);
      figures.echo[kind] = await measure(kind, 'echo', echo, bodies, 0);
      // The card echo and the bot alternate, round after round: this VM's speed drifts by a quarter within minutes,
      // and the median of the rounds' ratios is steadier than any one of them.
      const pairs: [TurnFigures, TurnFigures][] = [];
      const saving: [TurnFigures, TurnFigures][] = [];
      for (let round = 0; round < opts.rounds; round++) {
        const reference = await measure(kind, 'echoCards', echoWithCards, bodies, round);
        const ours = await measure(kind, 'bot', bot, bodies, round);
        pairs.push([reference, ours]);
        if (PRESS_KINDS.includes(kind)) saving.push([await measure(kind, 'echoSaving', echoSaving, bodies, round), ours]);
      }
      const cardEcho = cpuRounds(pairs);
      rounds[kind] = cardEcho.ratios;
      if (saving.length > 0) {
        const {
          ratios,
          median: [savingMedian, botMedian],
        } = cpuRounds(saving);
        savingRounds[kind] = ratios;
        echoSaves[kind] = { saving: savingMedian, bot: botMedian };
      }
      const median = cardEcho.median;
      [figures.echoCards[kind], figures.bot[kind]] = median;
      bytes.echoCards[kind] = replyBytes.get(median[0]) ?? 0;
      bytes.bot[kind] = replyBytes.get(median[1]) ?? 0;
    }
    // Users the rotation never reached: each question below is their first turn since the seeding (weeks ago).
    const firstCount = firstVisits(opts);
    say(`question turns → bot, the first turn of a visit for each of ${firstCount} users`);
    const firstTurns = await measureOnce(bot, turnBodies('question', sink.url, load, 2 * load.users, firstCount).slice(0, firstCount), opts.connections);
    say(`  ${fmt(firstTurns.cpuMsPerTurn, 2)} ms CPU/turn, ${firstTurns.failures} failed`);
    const botMemory = bot.memory();
    const echoMemory = echo.memory();
    await bot.stop();
    let profileSummary: string | undefined;
    if (opts.profile) {
      const newest = readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(profileDir, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
      if (newest) profileSummary = summariseProfile(newest, 20);
    }
    return {
      ...figures,
      rounds,
      echoSaves,
      savingRounds,
      firstTurns,
      replyBytes: bytes,
      repliesOk,
      botPeakMb: botMemory.peakMb,
      botRssAfterMb: botMemory.rssMb,
      echoPeakMb: echoMemory.peakMb,
      profileSummary,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

async function runBlobStartup(opts: Options, built: Awaited<ReturnType<typeof buildForBench>>): Promise<StartupFigures & { seedMs: number }> {
  const azurite = await startAzurite();
  try {
    say(`seeding ${opts.users} users into Azurite`);
    const seedMs = await seedUsers(openBlobStore(azurite.connectionString), opts.users, 64);
    say('start-up trials on Azurite');
    const figures = await measureStartup(
      'bot-startup-blob',
      built.botEntry,
      { ...botEnv(mkdtempSync(join(tmpdir(), 'bench-blob-'))), ...blobEnv(azurite.connectionString) },
      opts.trials,
    );
    return { ...figures, seedMs };
  } finally {
    await azurite.stop();
  }
}

/** The kinds of turn measured on Azure Blob Storage: a question, and a tick as Teams sends it. */
const BLOB_TURN_KINDS = ['question', 'ack'] as const;
type BlobTurnKind = (typeof BLOB_TURN_KINDS)[number];

interface BlobTurnFigures {
  /** The median round's figures for the bot on the file store and on Azurite, by kind. */
  readonly file: Record<BlobTurnKind, TurnFigures>;
  readonly blob: Record<BlobTurnKind, TurnFigures>;
  /** Each round's CPU per turn, Azurite ÷ file store. */
  readonly rounds: Record<BlobTurnKind, number[]>;
}

/**
 * `--only=http-blob`: the same turns (questions, and ticks as Teams sends them) to the bot on Azure Blob Storage
 * (Azurite, seeded with the same users) and to the bot on the file store, alternately, round after round. Only the
 * bot's CPU is counted, not Azurite's: on Azure the storage account's work is not the bot's.
 */
async function runHttpBlob(opts: Options, built: Awaited<ReturnType<typeof buildForBench>>, dataDir: string): Promise<BlobTurnFigures> {
  const azurite = await startAzurite();
  const children: Child[] = [];
  try {
    say(`seeding ${opts.users} users into Azurite`);
    await seedUsers(openBlobStore(azurite.connectionString), opts.users, 64);
    const load = turnLoad(opts);
    const sink = await startChild({ name: 'sink', script: built.sinkEntry, env: {} });
    children.push(sink);
    const limits = { USER_MESSAGES_PER_MINUTE: '1000' };
    const onFile = await startChild({ name: 'bot-file', script: built.botEntry, env: { ...botEnv(dataDir), ...limits } });
    children.push(onFile);
    const onBlob = await startChild({
      name: 'bot-blob',
      script: built.botEntry,
      env: { ...botEnv(mkdtempSync(join(tmpdir(), 'bench-blob-'))), ...blobEnv(azurite.connectionString), ...limits },
    });
    children.push(onBlob);
    const file = {} as Record<BlobTurnKind, TurnFigures>;
    const blob = {} as Record<BlobTurnKind, TurnFigures>;
    const rounds = {} as Record<BlobTurnKind, number[]>;
    for (const kind of BLOB_TURN_KINDS) {
      const bodies = turnBodies(kind, sink.url, load, 0);
      const pairs: [TurnFigures, TurnFigures][] = [];
      for (let round = 0; round < opts.rounds; round++) {
        const pair: TurnFigures[] = [];
        for (const [name, target] of [
          ['file store', onFile],
          ['Azurite', onBlob],
        ] as const) {
          say(`${kind} turns → bot on the ${name}, round ${round + 1}`);
          const result = await measureTurns(target, bodies, load, round);
          say(`  ${fmt(result.rps)} turns/s, ${fmt(result.cpuMsPerTurn, 2)} ms CPU/turn, ${result.failures} failed`);
          pair.push(result);
        }
        pairs.push(pair as [TurnFigures, TurnFigures]);
      }
      const { ratios, median } = cpuRounds(pairs);
      rounds[kind] = ratios;
      [file[kind], blob[kind]] = median;
    }
    return { file, blob, rounds };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await azurite.stop();
  }
}

/** One line: CPU per turn on Azurite and on the file store, by kind. */
function blobTurnsLine(f: BlobTurnFigures): string {
  return `blob-turns: ${BLOB_TURN_KINDS.map((k) => `${k === 'ack' ? 'acknowledgement' : k} ${fmt(f.blob[k].cpuMsPerTurn, 2)} ms (file store ${fmt(f.file[k].cpuMsPerTurn, 2)} ms)`).join(', ')}`;
}

type Row = [measure: string, result: string, goal: string, pass: string];

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '—' : ok ? 'PASS' : 'FAIL';
}

function rows(r: Results, users: number): Row[] {
  const out: Row[] = [];
  if (r.scale) {
    const { small, large } = r.scale;
    const row = (label: string, pick: (f: ScaleFigures) => Parameters<typeof total>[0]): void => {
      const [a, b] = [total(pick(small)), total(pick(large))];
      out.push([
        `${label}: store ops at ${fmt(small.users)} / ${fmt(large.users)} users, ${small.due} due`,
        `${a} / ${b}`,
        '100k ≤ 1.5× 10k',
        b <= 1.5 * Math.max(a, 1) ? 'yes' : 'NO',
      ]);
    };
    row('Reminder run', (f) => f.reminders);
    row('Retention sweep', (f) => f.retention);
    row('Idle delivery poll (Azure queue)', (f) => f.queueIdle);
    row('Idle delivery poll (store queue)', (f) => f.storeQueueIdle);
  }
  if (r.http) {
    for (const kind of TURN_KINDS) {
      const label = TURN_LABELS[kind];
      const bot = r.http.bot[kind];
      const echo = r.http.echo[kind];
      const tput = bot.rps / echo.rps;
      const p99 = bot.p99 / echo.p99;
      const withCards = r.http.echoCards[kind];
      // Teams allows 30–50 requests/s per tenant, so throughput never limits this bot; its cost per turn does (issue 14).
      out.push([
        `${label}: throughput`,
        `${fmt(bot.rps)}/s vs echo ${fmt(echo.rps)}/s = ${ratio(tput)}${bot.failures > 0 ? `, ${bot.failures} failed` : ''}`,
        'no failures',
        verdict(bot.failures === 0),
      ]);
      const perCardEcho = bot.cpuMsPerTurn / withCards.cpuMsPerTurn;
      out.push([
        `${label}: CPU per turn`,
        `${fmt(bot.cpuMsPerTurn, 2)} ms vs the echo bot replying with the same cards ${fmt(withCards.cpuMsPerTurn, 2)} ms = ${ratio(perCardEcho)}, the median of ${r.http.rounds[kind].length} rounds (${r.http.rounds[kind].map(ratio).join(', ')}; text echo ${fmt(echo.cpuMsPerTurn, 2)} ms)`,
        '≤ 1.50× card echo',
        verdict(perCardEcho <= 1.5),
      ]);
      const median = r.http.echoSaves[kind];
      if (median) {
        const { saving, bot: ours } = median;
        // Reported beside the goal, not instead of it: what the bot costs against a reference that also keeps the tick.
        out.push([
          `${label}: CPU per turn against the card echo that saves the press`,
          `${fmt(ours.cpuMsPerTurn, 2)} ms vs ${fmt(saving.cpuMsPerTurn, 2)} ms = ${ratio(ours.cpuMsPerTurn / saving.cpuMsPerTurn)}, the median of ${r.http.savingRounds[kind]?.length ?? 0} rounds (${(r.http.savingRounds[kind] ?? []).map(ratio).join(', ')})`,
          'reported',
          '—',
        ]);
      }
      // The reference must reply with what our bot replies (bench/replies.ts): the bytes show that it does.
      const bytes = { bot: r.http.replyBytes.bot[kind], echo: r.http.replyBytes.echoCards[kind] };
      out.push([
        `${label}: reply per turn, bytes`,
        `${fmt(bytes.bot)} vs the card echo ${fmt(bytes.echo)} = ${ratio(bytes.bot / Math.max(1, bytes.echo))}`,
        'reference within 10%',
        verdict(Math.abs(bytes.bot - bytes.echo) <= 0.1 * bytes.bot),
      ]);
      if (bot.allocatedKbPerTurn !== undefined && withCards.allocatedKbPerTurn !== undefined) {
        out.push([
          `${label}: memory allocated per turn`,
          `${fmt(bot.allocatedKbPerTurn)} KB vs the card echo ${fmt(withCards.allocatedKbPerTurn)} KB = ${ratio(bot.allocatedKbPerTurn / withCards.allocatedKbPerTurn)} (from --trace-gc, same rounds)`,
          'reported',
          '—',
        ]);
      }
      out.push([
        `${label}: echo bot replying with the bot's cards (reference)`,
        `${fmt(withCards.rps)}/s = ${ratio(withCards.rps / echo.rps)} echo; ${fmt(withCards.cpuMsPerTurn, 2)} ms CPU per turn; p99 ${fmt(withCards.p99, 1)} ms = ${ratio(withCards.p99 / echo.p99)} echo`,
        '—',
        '—',
      ]);
      out.push([
        `${label}: latency`,
        `p50 ${fmt(bot.p50, 1)} ms, p99 ${fmt(bot.p99, 1)} ms vs echo p50 ${fmt(echo.p50, 1)}, p99 ${fmt(echo.p99, 1)} ms = p99 ${ratio(p99)}`,
        'p99 ≤ 1.20× echo',
        verdict(p99 <= 1.2),
      ]);
    }
    const first = r.http.firstTurns;
    const reference = r.http.echoCards.question.cpuMsPerTurn;
    out.push([
      'Question turn, the first of a visit (record saved, retention entry moved)',
      `${fmt(first.cpuMsPerTurn, 2)} ms vs the card echo ${fmt(reference, 2)} ms = ${ratio(first.cpuMsPerTurn / reference)} over ${fmt(first.turns)} users${first.failures > 0 ? `, ${first.failures} failed` : ''}`,
      'reported',
      '—',
    ]);
  }
  if (r.httpBlob) {
    for (const kind of BLOB_TURN_KINDS) {
      const [file, blob] = [r.httpBlob.file[kind], r.httpBlob.blob[kind]];
      out.push([
        `${TURN_LABELS[kind]} on Azure Blob Storage (Azurite): CPU per turn`,
        `${fmt(blob.cpuMsPerTurn, 2)} ms vs the same bot on the file store ${fmt(file.cpuMsPerTurn, 2)} ms = ${ratio(blob.cpuMsPerTurn / file.cpuMsPerTurn)}, the median of ${r.httpBlob.rounds[kind].length} rounds (${r.httpBlob.rounds[kind].map(ratio).join(', ')}); ${fmt(blob.rps)} turns/s, p99 ${fmt(blob.p99, 1)} ms${blob.failures > 0 ? `, ${blob.failures} failed` : ''}`,
        'reported',
        '—',
      ]);
    }
  }
  if (r.matching) {
    const m = r.matching.matcher;
    out.push(
      m
        ? [
            'Intent matching',
            `p50 ${fmt(m.p50, 1)} µs, p99 ${fmt(m.p99, 1)} µs, ${fmt(m.perSecond)} matches/s (${r.matching.questions} labelled questions; built in ${fmt(m.buildMs)} ms)`,
            'p99 < 200 µs',
            verdict(m.p99 < 200),
          ]
        : ['Intent matching', 'n/a (matcher not merged)', 'p99 < 200 µs', '—'],
    );
    const c = r.matching.commandParser;
    out.push(['Command parsing (reference)', `p50 ${fmt(c.p50, 1)} µs, p99 ${fmt(c.p99, 1)} µs`, '—', '—']);
  }
  if (r.units) {
    const { cards, overwrite, cache } = r.units;
    out.push([
      'Step card expansion (compiled template)',
      `${fmt(cards.compiledUs, 1)} µs CPU vs adaptivecards-templating ${fmt(cards.libraryUs, 1)} µs = ${ratio(cards.compiledUs / cards.libraryUs)} (${cards.count} step cards of a journey)`,
      'reported',
      '—',
    ]);
    out.push([
      'Overwriting an item (file store, in place)',
      `${fmt(overwrite.slotUs)} µs CPU vs temporary file + rename ${fmt(overwrite.renameUs)} µs = ${ratio(overwrite.slotUs / overwrite.renameUs)} (${fmt(overwrite.items)} items in the directory, 10 at a time)`,
      'reported',
      '—',
    ]);
    out.push([
      'The store’s item cache (lru-cache)',
      `${fmt(cache.lruCacheNs)} ns CPU per operation vs the Map-based LRU it replaced ${fmt(cache.mapNs)} ns = ${ratio(cache.lruCacheNs / cache.mapNs)} (${fmt(cache.keys)} keys through ${fmt(cache.capacity)} entries)`,
      'reported',
      '—',
    ]);
  }
  if (r.pushes) {
    const p = r.pushes;
    const within = p.seconds <= 1.2 * p.floorSeconds;
    out.push([
      `${p.count} LA pushes`,
      `${fmt(p.seconds, 1)} s vs floor ${fmt(p.floorSeconds, 1)} s (${p.count} at ${p.tenantPerSecond}/s) = ${ratio(p.seconds / p.floorSeconds)}; lost ${p.lost}, duplicated ${p.duplicated}${p.timedOut ? ' (timed out)' : ''}`,
      '≤ 1.20× floor, 0 lost, 0 duplicated',
      verdict(within && p.lost === 0 && p.duplicated === 0),
    ]);
  }
  if (r.storm) {
    const s = r.storm;
    out.push([
      `Install storm: ${s.users} installs at ${s.installsPerSecond}/s`,
      `${stormLine(s).replace(/^storm: /, '')} (${fmt(s.floorSeconds, 1)} s at ${s.tenantPerSecond}/s)${s.timedOut ? ' (timed out)' : ''}`,
      'all welcomed, 0 duplicated, ≤ 1.20× floor',
      verdict(s.lost === 0 && s.duplicated === 0 && s.seconds <= 1.2 * s.floorSeconds),
    ]);
  }
  const startupRows = (label: string, s: StartupFigures | string | undefined): void => {
    if (s === undefined) return;
    if (typeof s === 'string') {
      out.push([`Start-up, ${label}`, s, '< 1500 ms', '—'], [`RSS at ready, ${label}`, s, '< 150 MB', '—']);
      return;
    }
    out.push([`Start-up, ${label}`, `${fmt(s.medianMs)} ms (median of ${s.trialsMs.map((t) => fmt(t)).join(', ')})`, '< 1500 ms', verdict(s.medianMs < 1500)]);
    out.push([`RSS at ready, ${label}`, `${fmt(s.rssMb, 1)} MB`, '< 150 MB', verdict(s.rssMb < 150)]);
  };
  const population = `${users.toLocaleString('en-GB')} users`;
  startupRows(`${population}, file store`, r.startupFile);
  startupRows(`${population}, Azurite`, r.startupBlob);
  if (r.startupFileDefaults) {
    const d = r.startupFileDefaults;
    out.push([`Start-up and RSS, file store, node's default heap (reference)`, `${fmt(d.medianMs)} ms, ${fmt(d.rssMb, 1)} MB`, '—', '—']);
  }
  if (r.startupEcho) {
    out.push(['Start-up and RSS, echo bot (reference)', `${fmt(r.startupEcho.medianMs)} ms, ${fmt(r.startupEcho.rssMb, 1)} MB`, '—', '—']);
  }
  if (r.http)
    out.push([
      'RSS after the turn load (peak)',
      `${fmt(r.http.botRssAfterMb)} MB (peak ${fmt(r.http.botPeakMb)} MB; echo bot peak ${fmt(r.http.echoPeakMb)} MB)`,
      '—',
      '—',
    ]);
  return out;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  // The default run (every section but the hour-long scale-azurite) is the one bench/RESULTS.md keeps.
  const full = DEFAULT_SECTIONS.every((s) => opts.only.has(s));
  const cpu = cpus();
  const environment = {
    node: process.version,
    cpu: `${cpu[0]?.model.trim() ?? 'unknown'} × ${cpu.length} cores`,
    os: `${osType()} ${release()}`,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/RESULTS.md']) === '' ? '' : ' (uncommitted changes)'}`,
    loadBefore: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  const started = performance.now();
  say(`Node ${environment.node}, ${environment.cpu}, load ${environment.loadBefore}`);
  // The scale section runs in this process on the memory store: nothing to build for it alone.
  const built = [...opts.only].every((s) => s === 'scale' || s === 'scale-azurite') ? undefined : await buildForBench();
  const results: Results = {};

  // Matching first, while nothing else of ours is running.
  if (opts.only.has('matching')) {
    say('intent matching');
    results.matching = measureMatching();
  }
  if (opts.only.has('units')) {
    say('card expansion, item overwrites and the item cache, each against what it replaced');
    results.units = await measureUnits();
  }

  let dataDir: string | undefined;
  if (opts.only.has('startup') || opts.only.has('http') || opts.only.has('http-blob')) {
    dataDir = mkdtempSync(join(tmpdir(), 'bench-file-'));
    say(`seeding ${opts.users} users into the file store`);
    const seeded = new FileStorage(join(dataDir, 'state'));
    results.seedMs = await seedUsers(seeded, opts.users);
    await seeded.close(); // the bots below claim the store for themselves
  }
  if (opts.only.has('startup') && dataDir && built) {
    say('start-up trials on the file store');
    results.startupFile = await measureStartup('bot-startup-file', built.botEntry, botEnv(dataDir), opts.trials);
    results.startupFileDefaults = await measureStartup('bot-startup-file-defaults', built.botEntry, { ...botEnv(dataDir), NODE_OPTIONS: '' }, opts.trials);
    results.startupEcho = await measureStartup('echo-startup', built.echoEntry, {}, opts.trials);
    results.startupBlob = blobStorageAvailable() ? await runBlobStartup(opts, built) : 'n/a (blob storage not merged)';
  }
  if (opts.only.has('http') && dataDir && built) results.http = await runHttp(opts, built, dataDir);
  if (opts.only.has('http-blob') && dataDir && built) {
    results.httpBlob = await runHttpBlob(opts, built, dataDir);
    process.stdout.write(`${blobTurnsLine(results.httpBlob)}\n`);
  }
  if (opts.only.has('pushes')) {
    say(`${opts.pushes} LA pushes at ${opts.pushRate}/s per tenant (floor ${fmt(opts.pushes / opts.pushRate, 1)} s)`);
    results.pushes = await measurePushes(opts.pushes, opts.pushRate);
  }

  if (opts.only.has('storm') && built) {
    say(`install storm: 5000 installs at 200/s, Teams at 30 requests/s per tenant (floor ${fmt(5000 / 30, 1)} s)`);
    results.storm = await measureStorm(built.botEntry, botEnv(mkdtempSync(join(tmpdir(), 'bench-storm-'))), {
      users: 5000,
      installsPerSecond: 200,
      tenantPerSecond: 30,
    });
  }
  if (opts.only.has('scale')) {
    say('scale: store operations at 10,000 and 100,000 users, 100 due (memory store, counted)');
    const small = await measureScale(10_000, 100);
    const large = await measureScale(100_000, 100);
    results.scale = { small, large };
    process.stdout.write(`${scaleLine(small, large)}\n`);
    say(
      `scale: seeded in ${fmt(small.seedMs / 1000, 1)} s and ${fmt(large.seedMs / 1000, 1)} s; by kind at 100k: ${JSON.stringify({ reminders: large.reminders, retention: large.retention, queueIdle: large.queueIdle, storeQueueIdle: large.storeQueueIdle })}`,
    );
  }
  if (opts.only.has('scale-azurite')) {
    // The same runs timed on Azurite through the app's blob store. Each population gets an Azurite of its own: its
    // costs grow with every blob it holds, in any container, so the 10k figures would otherwise carry nothing of the
    // 100k and the 100k ones the 10k's 40,000 blobs. Its heap is raised: 400,000 blobs peak near 3 GB of node's 4.
    const figures: ScaleFigures[] = [];
    for (const users of [10_000, 100_000]) {
      const azurite = await startAzurite({ heapMb: 8192 });
      try {
        say(`scale-azurite: seeding ${users} users into a new Azurite (64 at a time), then one reminder run and one retention sweep`);
        const store = openBlobStore(azurite.connectionString, `scale-${users}`);
        // Each phase is reported as it ends: at 100k the retention sweep alone takes the best part of an hour.
        const names: Record<ScalePhase, string> = { seed: 'seeded', reminders: 'reminder run', retention: 'retention sweep' };
        let phaseCpu = 0;
        let phaseStarted = 0;
        let watch: StallWatch | undefined;
        const onPhase = (phase: ScalePhase, at: 'start' | 'end'): void => {
          if (at === 'start') {
            phaseCpu = cpuMs(azurite.blobPid);
            phaseStarted = performance.now();
            watch = watchStalls(azurite.port);
            return;
          }
          const wall = performance.now() - phaseStarted;
          const cpu = cpuMs(azurite.blobPid) - phaseCpu;
          const stall = watch?.stop() ?? NaN;
          say(
            `scale-azurite: ${users} users: ${names[phase]} in ${fmt(wall / 1000, 1)} s (Azurite CPU ${fmt(cpu / 1000, 1)} s, longest wait for an answer ${fmt(stall / 1000, 1)} s)`,
          );
        };
        const f = await measureScale(users, 100, { store, seedConcurrency: 64, onPhase });
        figures.push(f);
        say(`scale-azurite: ${users} users: operations ${JSON.stringify({ reminders: f.reminders, retention: f.retention })}`);
      } finally {
        await azurite.stop();
      }
    }
    const [small, large] = figures as [ScaleFigures, ScaleFigures];
    process.stdout.write(`${scaleAzuriteLine(small, large)}\n`);
  }

  const totalSeconds = (performance.now() - started) / 1000;
  const header = ['Measure', 'Result', 'Goal', 'Pass'];
  const table = rows(results, opts.users);
  const loadAfter = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  // Sections that print one line of their own (storm, scale) print only that when run alone.
  if (results.storm) process.stdout.write(`${stormLine(results.storm)}\n`);
  if (!(opts.only.size === 1 && (results.storm || results.scale || opts.only.has('scale-azurite'))))
    process.stdout.write(
      `\nNode ${environment.node} · ${environment.cpu} · ${environment.os} · load ${environment.loadBefore} → ${loadAfter} · ${fmt(totalSeconds)} s\n\n${textTable(header, table)}\n`,
    );
  const http = results.http;
  if (http) {
    const cpuRatio = (kind: TurnKind): string => ratio(http.bot[kind].cpuMsPerTurn / http.echoCards[kind].cpuMsPerTurn);
    process.stdout.write(`\ncpu-vs-card-echo: question ${cpuRatio('question')} acknowledgement ${cpuRatio('ack')}\n`);
    process.stdout.write(`cpu-vs-card-echo, acknowledgement by an older client (Action.Submit): ${cpuRatio('ackSubmit')}\n`);
    const savingRatio = (kind: TurnKind): string => {
      const median = http.echoSaves[kind];
      return median ? ratio(median.bot.cpuMsPerTurn / median.saving.cpuMsPerTurn) : 'n/a';
    };
    process.stdout.write(`cpu-vs-saving-card-echo (reported): acknowledgement ${savingRatio('ack')}, older client ${savingRatio('ackSubmit')}\n`);
  }
  if (results.http?.profileSummary) process.stdout.write(`\n${results.http.profileSummary}\n`);

  const details: string[] = [];
  if (results.http) {
    const h = results.http;
    details.push(
      `- Turns: ${opts.connections} connections; per bot and kind, one warm-up turn for each of ${opts.turnUsers} users (their first of the visit, not measured), then ${opts.seconds} s measured over the same users (each question another; each press "Mark as done" on an action, then its "Undo", then the next action, so every press is a change); the text echo once, then ${opts.rounds} rounds of card echo and bot alternately, the median round's ratio reported. Acknowledgements: "Mark as done" as Teams sends it (an Action.Execute invoke, the card answered in the HTTP response), and as an older client sends it (an Action.Submit message, the card updated through the connector) by the next ${opts.turnUsers} users. Then ${firstVisits(opts)} questions that are each the first turn of a visit. ${opts.users} users seeded.`,
      `- Turns measured (echo / bot): ${TURN_KINDS.map((k) => `${k} ${h.echo[k].turns} / ${h.bot[k].turns}`).join(', ')}; failed (non-2xx, errors, timeouts): ${TURN_KINDS.map((k) => `${h.echo[k].failures} / ${h.bot[k].failures}`).join(', ')}.`,
      `- Reference "echo bot replying with the bot's cards": the same echo bot answering each turn with our bot's own reply to that turn (the activities it sent for that question, its card for that tick in the invoke's response, its update in place for an older client's tick), recorded from our bot before the measurement by users it is not measured on (bench/replies.ts); no state, no templating per turn. What replying with our bot's cards costs in botbuilder and restify alone. Bytes of a reply per turn, bot / card echo: ${TURN_KINDS.map((k) => `${k} ${fmt(h.replyBytes.bot[k])} / ${fmt(h.replyBytes.echoCards[k])}`).join(', ')}.`,
      `- Reference "card echo that saves the press" (presses only, measured after the bot in each round): the card echo above, keeping each press before it replies, in a file store of its own, through the bot's own FileStorage and eTag read-modify-write (bench/savedPress.ts: one item per user, the actions marked done; one slot overwritten and fdatasync'd per press). What a durable tick costs a bot that does nothing else: reported beside the goal, which stays against the card echo. CPU per press: ${PRESS_KINDS.map((k) => `${k} ${fmt(h.echoSaves[k]?.saving.cpuMsPerTurn ?? 0, 2)} ms (card echo ${fmt(h.echoCards[k].cpuMsPerTurn, 2)} ms)`).join(', ')}.`,
      `- Every bot turn's reply arrived (a message's at the connector sink, an invoke's card in its HTTP response): ${TURN_KINDS.map((k) => `${k} ${h.repliesOk[k] ? 'yes' : 'NO'}`).join(', ')}.`,
    );
  }
  const m = results.matching?.matcher;
  if (m) {
    details.push(
      `- Matcher: ${m.source}; ${fmt(m.calls)} timed calls over the labelled sets in test/fixtures/intents-*.json; in scope answered or offered right ${fmt(m.inScopeRight * 100, 1)}%, out of scope fell back ${fmt(m.outOfScopeFellBack * 100, 1)}% (accuracy is the intents tests' business; shown as a sanity check).`,
    );
  }
  if (results.startupFile || results.http) {
    details.push(`- The bot runs with \`NODE_OPTIONS=${DEPLOYED_NODE_OPTIONS}\`, as docs/deploy.md recommends; the echo bot with node's defaults.`);
  }
  if (results.seedMs !== undefined) details.push(`- Seeding ${opts.users} users (record + progress, 2 files each) took ${fmt(results.seedMs / 1000, 1)} s.`);
  if (results.startupBlob !== undefined && typeof results.startupBlob !== 'string') {
    details.push(`- Seeding ${opts.users} users into Azurite (2 blobs each, 64 at a time) took ${fmt(results.startupBlob.seedMs / 1000, 1)} s.`);
  }
  if (results.pushes) {
    const p = results.pushes;
    details.push(
      `- Pushes: ${fmt(p.callsPerWelcome, 2)} accepted Teams calls per welcome (opening the 1:1 chat carries the welcome), ${p.throttled} calls refused with 429; so the engine's own floor is ${fmt((p.callsPerWelcome * p.count) / p.tenantPerSecond, 1)} s, against the goal's floor of one call per welcome.`,
    );
  }
  if (results.storm) {
    const s = results.storm;
    details.push(
      `- Install storm: ${stormLine(s)}. Install events answered other than 200: ${s.notOk}; slowest answer ${fmt(s.slowestAnswerMs)} ms (${s.answersOverFifteenSeconds} over Teams' 15 s); Teams answered ${s.throttled} requests with 429; ${fmt(s.callsPerWelcome, 2)} accepted Teams calls per welcome.`,
    );
  }
  const markdown = [
    '# Benchmark results',
    '',
    `Latest \`npm run bench\`${full ? '' : ` (sections: ${[...opts.only].join(', ')})`}; method and how to read it: [docs/bench.md](../docs/bench.md).`,
    '',
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${environment.commit}`,
    `- Node ${environment.node}; ${environment.cpu}; ${environment.os}`,
    ...(process.env.BENCH_BOT_ENV ? [`- Diagnostic variant: the bot ran with ${process.env.BENCH_BOT_ENV}`] : []),
    `- Load average (1, 5, 15 min) before ${environment.loadBefore}, after ${loadAfter}; total run ${fmt(totalSeconds)} s`,
    '',
    markdownTable(header, table),
    '',
    ...details,
    ...(results.http?.profileSummary ? ['', '```', results.http.profileSummary, '```'] : []),
    '',
  ].join('\n');
  mkdirSync(OUT_DIR, { recursive: true });
  const target = full ? join(ROOT, 'bench', 'RESULTS.md') : join(OUT_DIR, 'RESULTS.md');
  writeFileSync(target, markdown);
  say(`wrote ${target.slice(ROOT.length + 1)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
