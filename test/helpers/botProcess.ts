import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(__dirname, '..', '..');

/**
 * Node arguments that run the real entry point (src/index.ts) in ONE process: tsx's loader is imported into
 * node itself. (The tsx CLI would start a second node process, so a kill -9 sent to it would miss the bot.)
 */
export function botEntryArgs(): string[] {
  return ['--import', pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(ROOT, 'src', 'index.ts')];
}

/** Spawns the bot as its own process with exactly these settings (nothing inherited but PATH). */
export function spawnBot(env: Record<string, string>, cwd: string = ROOT): ChildProcess {
  return spawn(process.execPath, botEntryArgs(), { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
}

/** Resolves the port once the process logs that it listens; rejects if it exits or stays silent too long. */
export function whenListening(child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`bot did not start: ${out.slice(-2000)}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${String(code)} before listening: ${out.slice(-2000)}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"event":"server.listening","port":(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
}

/** Waits for the process to end (after a kill). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts the real entry point for a storm of turns (no Graph, no per-user limit) and resolves its /api/messages URL. */
export async function startBotProcess(env: Record<string, string>, timeoutMs?: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnBot({ PORT: '0', LOG_LEVEL: 'info', GRAPH_ENABLED: 'false', USER_MESSAGES_PER_MINUTE: '1000', ...env });
  const port = await whenListening(child, timeoutMs);
  return { child, url: `http://127.0.0.1:${port}/api/messages` };
}
