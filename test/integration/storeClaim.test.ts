/**
 * The file store is for one process: the bot claims DATA_DIR/state, and a second writer (another instance on a shared
 * disk, `npm run retention` from cron beside the bot) is refused rather than left to overwrite confirmed writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDataDir } from '../helpers/botHarness';
import { exited, ROOT, spawnBot, whenListening } from '../helpers/botProcess';
import { FileStorage } from '../../src/state/fileStorage';
import { StoreClaimLostError } from '../../src/state/storeClaim';

/** Output and exit code of a process that is expected to stop by itself. */
async function outcome(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await exited(child);
  return { code, stderr };
}

function cli(script: string, env: Record<string, string>, args: readonly string[] = []): ChildProcess {
  const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return spawn(process.execPath, ['--import', loader, join(ROOT, 'src', 'cli', script), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
}

/** Like outcome(), with what the process printed. */
async function printed(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return { ...(await outcome(child)), stdout };
}

describe('one process per file store', () => {
  it('refuses a second bot and a scheduled job on the same DATA_DIR while the bot runs, and starts once it has stopped', async () => {
    const dataDir = tempDataDir();
    const env = { PORT: '0', DATA_DIR: dataDir, GRAPH_ENABLED: 'false', LOG_LEVEL: 'info' };
    const first = spawnBot(env);
    try {
      await whenListening(first);
      // Both wait for the claim to go stale (it does not: the bot keeps it fresh), then give up with a reason.
      const [second, retention, report, poison, count, replay] = await Promise.all([
        outcome(spawnBot(env)),
        outcome(cli('retention.ts', env)),
        // A report opens the store read-only: it runs beside the bot.
        outcome(cli('report-unanswered.ts', env)),
        // So does a look at the delivery queue (the daily check in docs/operations.md); replaying it writes.
        printed(cli('deliveries.ts', env, ['poison'])),
        printed(cli('deliveries.ts', env, ['count'])),
        outcome(cli('deliveries.ts', env, ['replay', '--all'])),
      ]);
      expect(report).toEqual({ code: 0, stderr: '' });
      expect(poison).toEqual({ code: 0, stdout: '0 in the poison queue\n', stderr: '' });
      expect(count).toEqual({ code: 0, stdout: '0 waiting\n', stderr: '' });
      expect(replay.code).toBe(1);
      expect(replay.stderr).toContain('is in use by another process');
      expect(second.code).toBe(2);
      expect(second.stderr).toContain('is in use by another process (STORAGE=file is for one process');
      expect(second.stderr).not.toMatch(/\n\s+at /); // a reason, not a stack trace
      expect(retention.code).toBe(1);
      expect(retention.stderr).toContain('is in use by another process');
    } finally {
      first.kill('SIGTERM');
      await exited(first);
    }
    // A bot that stopped gives its claim back: the next one starts at once.
    const third = spawnBot(env);
    try {
      await whenListening(third);
    } finally {
      third.kill('SIGTERM');
      await exited(third);
    }
  }, 60_000);

  it('a bot whose claim is taken from it stops at once, saying why, rather than write on', async () => {
    const dataDir = tempDataDir();
    const bot = spawnBot({ PORT: '0', DATA_DIR: dataDir, GRAPH_ENABLED: 'false', LOG_LEVEL: 'info' });
    let out = '';
    bot.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    try {
      await whenListening(bot);
      rmSync(join(dataDir, 'state.lock'), { recursive: true, force: true }); // as another process taking it over would
      expect(await exited(bot)).toBe(1); // noticed at the next refresh, within 5 s
      expect(out).toContain('"event":"storage.claimLost"');
    } finally {
      if (bot.exitCode === null) bot.kill('SIGKILL');
    }
  }, 30_000);

  it('of two processes taking over a stale claim at the same moment, exactly one gets it', async () => {
    const dir = join(tempDataDir(), 'state');
    mkdirSync(`${dir}.lock`, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${dir}.lock`, old, old); // left by a process killed a minute ago
    const script = join(tempDataDir(), 'claim.cts');
    // Each claimant is slowed between finding the claim stale and removing it (proper-lockfile's stat, rmdir, mkdir),
    // as a busy machine would: without claimants taking turns, both would remove it and both would claim.
    writeFileSync(
      script,
      `const gfs = require(${JSON.stringify(join(ROOT, 'node_modules', 'graceful-fs'))}); const rmdir = gfs.rmdir; gfs.rmdir = (p, cb) => setTimeout(() => rmdir(p, cb), 300);\n` +
        `const { claimStore } = require(${JSON.stringify(join(ROOT, 'src', 'state', 'storeClaim.ts'))});\n` +
        `claimStore(${JSON.stringify(dir)}, () => {}, 2000).then(() => { process.stdout.write('claimed'); setTimeout(() => process.exit(0), 3000); }, (e) => { process.stdout.write(e.name); process.exit(0); });\n`,
    );
    const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const run = (): Promise<string> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', loader, script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
        let said = '';
        child.stdout.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
        child.once('exit', () => resolve(said));
      });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.sort()).toEqual(['StoreInUseError', 'StoreInUseError', 'claimed']);
  }, 30_000);

  it('a store that loses its claim refuses every call from then on, so /readyz reports it down', async () => {
    const dir = join(tempDataDir(), 'state');
    const store = new FileStorage(dir);
    await store.write({ 'a/1': { n: 1 } });
    // Another process removing the claim (an operator, or one that judged it stale) is noticed at the next refresh.
    rmSync(`${dir}.lock`, { recursive: true, force: true });
    const deadline = Date.now() + 10_000;
    let pinged: unknown;
    while (Date.now() < deadline) {
      pinged = await store.ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      if (pinged) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(pinged).toBeInstanceOf(StoreClaimLostError);
    await expect(store.write({ 'a/1': { n: 2 } })).rejects.toBeInstanceOf(StoreClaimLostError);
    await expect(store.read(['a/1'])).rejects.toBeInstanceOf(StoreClaimLostError);
  }, 20_000);

  it('a store closed while its claim is on its way gives the claim back', async () => {
    const dir = join(tempDataDir(), 'state');
    const store = new FileStorage(dir);
    const pinged = store.ping();
    await store.close();
    await expect(pinged).rejects.toThrow('closed');
    expect(existsSync(`${dir}.lock`)).toBe(false);
    await store.write({ 'a/1': { n: 1 } }); // and the next call claims it again
    expect(existsSync(`${dir}.lock`)).toBe(true);
    await store.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('a read-only store (the reports) reads beside the owner, claims nothing and writes nothing', async () => {
    const dir = join(tempDataDir(), 'state');
    const owner = new FileStorage(dir);
    await owner.write({ 'a/1': { n: 1 } });
    await owner.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const report = new FileStorage(dir, undefined, { readOnly: true });
    expect(await report.read(['a/1'])).toMatchObject({ 'a/1': { n: 1 } });
    await expect(report.write({ 'a/1': { n: 2 } })).rejects.toThrow('read-only');
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});
