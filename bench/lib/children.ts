/**
 * Child processes of the bench: the bot, the echo bot and the connector sink. Each runs with plain
 * `node`, its output goes to a log file under bench/out/ (never through the bench's own event loop), and it
 * counts as started when its health URL answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './build';

export const OUT_DIR = join(ROOT, 'bench', 'out');

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Milliseconds from spawn() to the first 200 from the ready URL. */
  readonly startMs: number;
  readonly logFile: string;
  /** Resident set size now, and its peak so far, in MB (Linux /proc). */
  memory(): { rssMb: number; peakMb: number };
  /** CPU time (user + system, all threads) the process has used so far, in ms (Linux /proc; 10 ms resolution). */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ChildOptions {
  readonly name: string;
  readonly script: string;
  readonly env: Record<string, string>;
  readonly nodeArgs?: readonly string[];
  /** Path answered with 200 once the process is ready (default /readyz). */
  readonly readyPath?: string;
  readonly timeoutMs?: number;
  /** Fixed port; default a free loopback port. */
  readonly port?: number;
}

/** A free TCP port on 127.0.0.1 (there is a small window in which another process could take it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process in MB, from /proc (NaN where /proc is not available). */
export function processMemory(pid: number): { rssMb: number; peakMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: Number.NaN, peakMb: Number.NaN };
  }
}

/** utime + stime of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms on Linux). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, utime 14 and stime 15 (man 5 proc), i.e. indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Spawns `node [nodeArgs] script` with only the given environment (plus PATH), and waits until it is ready. */
export async function startChild(options: ChildOptions): Promise<Child> {
  mkdirSync(OUT_DIR, { recursive: true });
  const port = options.port ?? (await freePort());
  const logFile = join(OUT_DIR, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.timeoutMs ?? 30_000);
  let startMs = Number.NaN;
  while (performance.now() < deadline) {
    if (exited !== undefined) throw new Error(`${options.name} exited with ${String(exited)} before it was ready; see ${logFile}`);
    if (await ready(`${url}${options.readyPath ?? '/readyz'}`)) {
      startMs = performance.now() - started;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!Number.isFinite(startMs)) {
    child.kill('SIGKILL');
    throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 30_000} ms; see ${logFile}`);
  }
  const pid = child.pid ?? -1;
  return {
    name: options.name,
    pid,
    port,
    url,
    startMs,
    logFile,
    memory: () => processMemory(pid),
    cpuMs: () => processCpuMs(pid),
    stop: async (graceMs = 10_000) => {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}
