/**
 * Compiles what the bench runs as child processes, the way production runs it (plain `node` on JavaScript,
 * no tsx hooks): src/ per file into .tmp/bench/dist/ (the layout of `npm run build`'s dist/), and the echo bot
 * and connector sink into .tmp/bench/tools/. esbuild transpiles in well under a second where tsc takes tens
 * of seconds on this machine; it emits the same CommonJS modules, only without type checking (npm test does that).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const ROOT = join(__dirname, '..', '..');
export const BENCH_TMP = join(ROOT, '.tmp', 'bench');

export interface Built {
  /** The bot's entry point (dist/index.js). */
  readonly botEntry: string;
  readonly echoEntry: string;
  readonly sinkEntry: string;
}

function tsFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith(join('tabs', 'web')))
    .map((f) => join(dir, f));
}

export async function buildForBench(): Promise<Built> {
  rmSync(BENCH_TMP, { recursive: true, force: true });
  mkdirSync(BENCH_TMP, { recursive: true });
  // index.ts finds cards/ and build/tabs beside its own directory, as dist/ sits beside them in the repository.
  for (const name of ['cards', 'build']) {
    if (existsSync(join(ROOT, name))) symlinkSync(join(ROOT, name), join(BENCH_TMP, name), 'dir');
  }
  const common = { format: 'cjs', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' } as const;
  await build({ ...common, entryPoints: tsFiles(join(ROOT, 'src')), outdir: join(BENCH_TMP, 'dist'), outbase: join(ROOT, 'src') });
  // Each tool is one file: what it takes from src/ (the saving echo's file store) is bundled in, packages are not.
  await build({
    ...common,
    bundle: true,
    packages: 'external',
    entryPoints: [join(ROOT, 'bench', 'echoBot.ts'), join(ROOT, 'bench', 'sink.ts')],
    outdir: join(BENCH_TMP, 'tools'),
  });
  return {
    botEntry: join(BENCH_TMP, 'dist', 'index.js'),
    echoEntry: join(BENCH_TMP, 'tools', 'echoBot.js'),
    sinkEntry: join(BENCH_TMP, 'tools', 'sink.js'),
  };
}
