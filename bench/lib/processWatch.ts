/**
 * What an emulator costs while a bench section runs against it: its CPU time (from /proc) and how long it stopped
 * answering. Azurite runs its blob garbage collection on its one thread every 10 minutes, answering nothing until it
 * is done; a run it overlaps gets longer for reasons that are Azurite's, not the app's.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** User + system CPU time of a process so far, in ms (Linux; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface StallWatch {
  /** Stops asking; the longest answer time seen (ms), counting one still in flight for as long as it has waited. */
  stop(): number;
}

/**
 * Asks the server on the loopback port for any answer (an unsigned GET: Azurite refuses it in its first middleware,
 * without touching its store) one request at a time, every `everyMs`, and keeps the longest time to an answer.
 */
export function watchStalls(port: number, everyMs = 250): StallWatch {
  let longest = 0;
  let stopped = false;
  let askedAt = 0;
  const ask = (): Promise<void> =>
    new Promise((resolve) => {
      askedAt = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET' }, (res) => {
        res.resume();
        res.on('end', () => {
          longest = Math.max(longest, performance.now() - askedAt);
          askedAt = 0;
          resolve();
        });
      });
      req.on('error', () => {
        askedAt = 0;
        resolve();
      });
      req.end();
    });
  const loop = async (): Promise<void> => {
    while (!stopped) {
      await ask();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
      if (askedAt !== 0) longest = Math.max(longest, performance.now() - askedAt);
      return longest;
    },
  };
}
