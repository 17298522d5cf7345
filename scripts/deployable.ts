/**
 * Builds the deployable artefact: exactly the files a running instance needs, in the layout the server expects
 * (docs/deploy.md, "Packaging and upload"). The Dockerfile copies the same set.
 *
 *   npm run deployable                 build/deploy/ with production node_modules, and build/deploy.zip for App Service
 *   npm run deployable -- --no-install build/deploy/ without node_modules (no zip)
 *
 * The zip is what `az webapp deploy --type zip` uploads with App Service's build automation off: it is already built
 * and has its node_modules (`npm ci --omit=dev --ignore-scripts`), so App Service only runs `node dist/index.js`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import JSZip from 'jszip';
import { buildTabs } from './build-tabs';

const ROOT = resolve(__dirname, '..');

/**
 * What a running instance needs, relative to its working directory: the compiled server and jobs, the tab pages,
 * the content, and the package files npm installs the production dependencies from. Nothing else is shipped.
 */
export const DEPLOY_FILES = ['package.json', 'package-lock.json', 'dist', 'build/tabs', 'cards'] as const;

export interface DeployableOptions {
  /** Output folder; emptied first. */
  readonly outDir: string;
  /** Run `npm ci --omit=dev --ignore-scripts` in it (default true). */
  readonly install?: boolean;
}

/** Compiles the server, builds the tabs and copies the content and package files into outDir; resolves outDir. */
export async function buildDeployable(options: DeployableOptions): Promise<string> {
  const out = resolve(options.outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(out, 'dist')],
    {
      stdio: 'pipe',
    },
  );
  await buildTabs({ outDir: join(out, 'build', 'tabs') });
  cpSync(join(ROOT, 'cards'), join(out, 'cards'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(out, file));
  if (options.install ?? true) {
    // No install script runs: no production dependency needs one (dtrace-provider, optional, is a stub on Linux).
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: out, stdio: 'inherit' });
  }
  return out;
}

/** Every file under dir, as paths relative to it with forward slashes. */
export function listFiles(dir: string, base: string = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path).split('\\').join('/')];
  });
}

/** Zips dir (files at the root of the archive, as App Service's zip deploy expects). */
export async function zipFolder(dir: string, zipPath: string): Promise<void> {
  const zip = new JSZip();
  const date = new Date(Date.UTC(2025, 0, 1));
  for (const file of listFiles(dir)) zip.file(file, readFileSync(join(dir, file)), { date, unixPermissions: 0o644 });
  writeFileSync(zipPath, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' }));
}

if (require.main === module) {
  const install = !process.argv.includes('--no-install');
  const outDir = join(ROOT, 'build', 'deploy');
  buildDeployable({ outDir, install })
    .then(async (out) => {
      if (install) {
        await zipFolder(out, join(ROOT, 'build', 'deploy.zip'));
        console.log(`Deployable built into build/deploy/ and build/deploy.zip (${DEPLOY_FILES.join(', ')}, node_modules)`);
      } else {
        console.log(`Deployable built into build/deploy/ (${DEPLOY_FILES.join(', ')}; no node_modules)`);
      }
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
