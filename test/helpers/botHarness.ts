/**
 * Starts the real bot (createApp: restify, CloudAdapter, file store) on loopback beside a Teams emulator,
 * for integration tests and benchmarks. No test-framework imports here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App, type AppOverrides } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/log';
import { sceneFrom, type ActivityUser, type TeamsScene } from './activities';
import { startTeamsEmulator, type TeamsEmulator, type TeamsEmulatorOptions, type TeamsUser } from './teamsEmulator';

export interface RunningBot {
  readonly app: App;
  /** Full URL of /api/messages. */
  readonly messagesUrl: string;
  readonly baseUrl: string;
  /** Every log line the bot wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A temporary data directory for one test. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'welcome-bot-'));
}

/** Starts the bot on 127.0.0.1 with the given settings (data dir defaults to a new temp dir). */
export async function startBot(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<RunningBot> {
  const config = loadConfig(
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: tempDataDir(), SHUTDOWN_GRACE_MS: '2000', ...env },
    {
      contentDir: join(__dirname, '..', '..', 'cards'),
    },
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const app = createApp(config, createLogger(config.logLevel, sink), overrides);
  const port = await app.listen();
  const baseUrl = `http://127.0.0.1:${port}`;
  return { app, baseUrl, messagesUrl: `${baseUrl}/api/messages`, logs, close: () => app.close() };
}

/** A Teams emulator that accepts the anonymous bot's calls, with a scene for building activities. */
export async function startTeams(options: TeamsEmulatorOptions = {}): Promise<{ teams: TeamsEmulator; scene: TeamsScene }> {
  const teams = await startTeamsEmulator({ requireAuth: false, ...options });
  return { teams, scene: sceneFrom(teams) };
}

let userCounter = 0;
/** Registers a new starter with the emulator, with the app installed; returns it in both shapes. */
export function newStarter(teams: TeamsEmulator, name = 'Sam Starter'): { user: TeamsUser; who: ActivityUser; conversationId: string } {
  userCounter += 1;
  const n = `${process.pid}-${userCounter}-${Math.random().toString(36).slice(2, 8)}`;
  const user = teams.addUser({
    aadObjectId: `00000000-0000-4000-8000-${(userCounter + 1e11).toString().slice(-12)}`,
    userId: `29:starter-${n}`,
    upn: `starter.${n}@nhs.net`,
    name,
  });
  teams.installApp(user);
  return { user, who: { userId: user.userId, name: user.name, aadObjectId: user.aadObjectId }, conversationId: teams.personalConversationId(user) };
}
