/**
 * The deployable artefact (scripts/deployable.ts, what App Service's zip deploy and the Dockerfile ship) is built,
 * started with plain node from outside the repository, and must serve the bot, its tabs from its own build/tabs/,
 * and run the jobs, with nothing on stderr. The Dockerfile is checked to ship the same file set, as a non-root
 * user, with production dependencies only. (No container runtime here: the image itself is not built.)
 *
 * The artefact is built without node_modules (no network in tests) inside the repository, so it resolves the
 * repository's; a separate check proves every package the compiled code loads is a production dependency, which
 * is what `npm ci --omit=dev` would install.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeployable, DEPLOY_FILES, listFiles } from '../../scripts/deployable';
import { exited, ROOT, whenListening } from '../helpers/botProcess';

const OUT = join(ROOT, '.tmp', `deployable-test-${process.pid}`);
const MARKER = `/* deployable-test ${process.pid} */`;

beforeAll(async () => {
  await buildDeployable({ outDir: OUT, install: false });
  // Proves /tabs/ serves the artefact's own copy, not the repository's build/tabs/.
  appendFileSync(join(OUT, 'build', 'tabs', 'tabs.css'), `\n${MARKER}\n`);
}, 240_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('the deployable artefact', () => {
  it('holds exactly the deployable file set: compiled server and jobs, tab pages, content, package files', () => {
    const top = readdirSync(OUT).sort();
    expect(top).toEqual(['build', 'cards', 'dist', 'package-lock.json', 'package.json']);
    expect(readdirSync(join(OUT, 'build'))).toEqual(['tabs']);
    for (const entry of DEPLOY_FILES) expect(existsSync(join(OUT, entry))).toBe(true);
    const files = listFiles(OUT);
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/cli/retention.js', 'dist/cli/remind.js', 'dist/cli/audit.js', 'dist/cli/report-unanswered.js']),
    );
    expect(files).toEqual(
      expect.arrayContaining([
        'build/tabs/checklist.html',
        'build/tabs/checklist.js',
        'build/tabs/starters.html',
        'build/tabs/starters.js',
        'build/tabs/tabs.css',
      ]),
    );
    expect(files).toEqual(expect.arrayContaining(['cards/journey.json', 'cards/links.json', 'cards/intents.json']));
    // No sources, tests, secrets or local state.
    expect(files.filter((f) => /^(src|test|scripts|data)\/|\.env$|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('loads only production dependencies (what npm ci --omit=dev installs) and node built-ins', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const loaded = new Set<string>();
    for (const file of listFiles(join(OUT, 'dist')).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(OUT, 'dist', file), 'utf8');
      for (const m of code.matchAll(/require\((['"])([^'"]+)\1\)/g)) {
        const spec = m[2] as string;
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        loaded.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
      }
    }
    expect(loaded.size).toBeGreaterThan(5);
    expect([...loaded].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });

  it('starts with plain node from outside the repository, answers /healthz and serves /tabs/ from its own build/tabs/, with nothing on stderr', async () => {
    const child = spawn(process.execPath, [join(OUT, 'dist', 'index.js')], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'deployable-')), GRAPH_ENABLED: 'false' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const port = await whenListening(child);
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'alive' });
      const page = await fetch(`${base}/tabs/checklist.html`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toBe(readFileSync(join(OUT, 'build', 'tabs', 'checklist.html'), 'utf8'));
      const css = await fetch(`${base}/tabs/tabs.css`);
      expect(css.status).toBe(200);
      expect(await css.text()).toContain(MARKER);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    // No DEP0111 (restify 11's spdy) nor any other warning: stderr stays empty.
    expect(stderr).toBe('');
  });

  it('runs a scheduled job with plain node', () => {
    const out = execFileSync(process.execPath, [join(OUT, 'dist', 'cli', 'retention.js')], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', DATA_DIR: mkdtempSync(join(tmpdir(), 'deployable-job-')), GRAPH_ENABLED: 'false' },
      encoding: 'utf8',
    });
    expect(out).toContain('checked 0 users');
  });
});

/** The instructions of one Dockerfile stage, continuation lines joined. */
function stages(dockerfile: string): string[][] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const result: string[][] = [];
  for (const line of lines) {
    if (/^FROM /i.test(line)) result.push([]);
    result[result.length - 1]?.push(line);
  }
  return result;
}

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const [build = [], run = []] = stages(dockerfile);

  it('builds on Node.js 24 and runs on Node.js 24', () => {
    expect(build[0]).toMatch(/^FROM node:24-[a-z-]+ AS build$/);
    expect(run[0]).toMatch(/^FROM node:24-[a-z-]+$/);
  });

  it('ships the same file set as the deployable artefact, with production dependencies only', () => {
    const copied = run
      .filter((l) => l.startsWith('COPY '))
      .flatMap((l) => {
        const parts = l.replace(/^COPY (--from=\S+ )?/, '').split(/\s+/);
        const dest = parts.pop() as string;
        // "COPY a b ./" copies a and b by name; "COPY x ./y" copies x as y.
        return dest.endsWith('/') ? parts.map((p) => p.split('/').pop() as string) : [dest.replace(/^\.\//, '')];
      })
      .sort();
    expect(copied).toEqual([...DEPLOY_FILES].sort());
    expect(run.join('\n')).toMatch(/RUN npm ci --omit=dev --ignore-scripts/);
  });

  it('runs as a non-root user and starts the bot with plain node (signals reach it)', () => {
    const users = run.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    expect(run.indexOf('USER node')).toBeLessThan(run.findIndex((l) => l.startsWith('CMD ')));
    expect(run[run.length - 1]).toBe('CMD ["node", "dist/index.js"]');
    expect(run.join('\n')).toMatch(/ENV NODE_ENV=production/);
  });

  it('copies into the build stage only what .dockerignore lets through, and keeps secrets and local state out', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'));
    const sources = build
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) =>
        l
          .replace(/^COPY /, '')
          .split(/\s+/)
          .slice(0, -1),
      );
    for (const source of sources) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      expect(ignored.filter((pattern) => pattern === source || source.startsWith(`${pattern}/`))).toEqual([]);
    }
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'data', '.git']));
  });
});
