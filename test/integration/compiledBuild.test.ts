/**
 * What a production image runs: `npm run build`'s TypeScript output under plain node, not through tsx, for the
 * server and the scheduled jobs (docs/deploy.md §4). (It resolves the repository's node_modules, so it would not
 * notice a stray import of a devDependency; the imports of src/ are the production dependencies by review.)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, ROOT, whenListening } from '../helpers/botProcess';

// Inside the repository, so that the output finds node_modules as dist/ does; cards/ beside it, as in an image.
const OUT = join(ROOT, '.tmp', `build-test-${process.pid}`);

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  symlinkSync(join(ROOT, 'cards'), join(OUT, 'cards'), 'dir');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(OUT, 'dist')],
    { stdio: 'pipe' },
  );
}, 180_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

/** Runs a compiled job with plain node and only these settings; resolves its exit code and output. */
function runJob(script: string, args: string[], env: Record<string, string>): { status: number | null; out: string } {
  try {
    // cwd elsewhere: dotenv must not pick up a developer's .env from the repository.
    const out = execFileSync(process.execPath, [join(OUT, 'dist', 'cli', script), ...args], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
    });
    return { status: 0, out };
  } catch (error) {
    const e = error as { status: number | null; stdout?: string; stderr?: string };
    return { status: e.status, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the compiled build, under plain node', () => {
  it('runs the scheduled jobs: retention, reminders, the audit trail, the unanswered-questions and feedback reports', () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'jobs-')), GRAPH_ENABLED: 'false' };
    expect(runJob('retention.js', [], env)).toEqual({ status: 0, out: expect.stringContaining('checked 0 users') });
    expect(runJob('remind.js', [], env).status).toBe(0);
    expect(runJob('audit.js', ['--from', '2026-11-01'], env)).toEqual({ status: 0, out: expect.stringContaining('0 entries') });
    expect(runJob('report-unanswered.js', [], env).status).toBe(0);
    expect(runJob('report-feedback.js', [], env)).toEqual({ status: 0, out: expect.stringContaining('0 answer(s) and step(s) with votes') });
  });

  it('serves the bot: dist/index.js starts and is ready', async () => {
    const child = spawn(process.execPath, [join(OUT, 'dist', 'index.js')], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'serve-')), GRAPH_ENABLED: 'false' },
    });
    try {
      const port = await whenListening(child);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });
});
