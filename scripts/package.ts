/**
 * Builds the Teams app package: build/appPackage/manifest.json and build/appPackage/<name>-<version>.zip
 * (manifest.json, color.png and outline.png at the root of the zip, as Teams requires).
 *
 *   npm run package              settings from the environment and .env; fails naming any missing setting
 *   npm run package -- --sample  dry run: placeholders fill missing settings; the zip is named *-sample.zip
 *
 * Settings are documented in docs/teams-app.md and src/manifest/settings.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import JSZip from 'jszip';
import { z } from 'zod';
import { ICON_FILES, buildManifest, type TeamsAppManifest } from '../src/manifest/buildManifest';
import { isManifestSettingsError, parseManifestSettings, type ManifestSettings } from '../src/manifest/settings';

/** Where the package was written. */
export interface AppPackage {
  readonly manifest: TeamsAppManifest;
  readonly manifestPath: string;
  readonly zipPath: string;
}

// A fixed timestamp makes the zip byte-for-byte reproducible, so an unchanged app gives an unchanged file.
const ZIP_DATE = new Date(Date.UTC(2025, 0, 1));

/** The zip's file name: the short name as a slug, the version, and "-sample" for a dry run. */
export function packageFileName(settings: ManifestSettings): string {
  const slug =
    settings.nameShort
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'teams-app';
  return `${slug}-${settings.version}${settings.sample ? '-sample' : ''}.zip`;
}

/** Zips manifest.json and the two icons at the root of the archive. */
export async function zipAppPackage(manifest: TeamsAppManifest, icons: { color: Buffer; outline: Buffer }): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date: ZIP_DATE });
  zip.file(ICON_FILES.color, icons.color, { date: ZIP_DATE });
  zip.file(ICON_FILES.outline, icons.outline, { date: ZIP_DATE });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

/** Builds the manifest from `settings`, writes it and the zip into `outDir`, and returns their paths. */
export async function createAppPackage(options: {
  readonly settings: ManifestSettings;
  readonly iconsDir: string;
  readonly outDir: string;
}): Promise<AppPackage> {
  const manifest = buildManifest(options.settings);
  const icons = {
    color: readFileSync(join(options.iconsDir, ICON_FILES.color)),
    outline: readFileSync(join(options.iconsDir, ICON_FILES.outline)),
  };
  mkdirSync(options.outDir, { recursive: true });
  const manifestPath = join(options.outDir, 'manifest.json');
  const zipPath = join(options.outDir, packageFileName(options.settings));
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(zipPath, await zipAppPackage(manifest, icons));
  return { manifest, manifestPath, zipPath };
}

/** The environment with .env underneath it (real environment variables win, as with dotenv). */
export function readSettingsSource(
  root: string,
  env: NodeJS.ProcessEnv,
): {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly envFile: string | undefined;
} {
  const envFile = join(root, '.env');
  if (!existsSync(envFile)) return { values: { ...env }, envFile: undefined };
  return { values: { ...parseDotenv(readFileSync(envFile)), ...env }, envFile };
}

function packageVersion(root: string): string {
  const pkg = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
  return pkg.version;
}

/** What the command needs from its surroundings; a test passes its own. */
export interface PackageCommandIo {
  /** Folder holding package.json, .env (optional) and appPackage/ icons; the package goes to build/appPackage. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs `npm run package [-- --sample]` and returns the exit code. */
export async function runPackageCommand(argv: readonly string[], io: PackageCommandIo): Promise<number> {
  const unknown = argv.filter((arg) => arg !== '--sample');
  if (unknown.length > 0) {
    io.err(`Unknown argument ${unknown[0]}. Usage: npm run package [-- --sample]\n`);
    return 2;
  }
  const sample = argv.includes('--sample');
  const source = readSettingsSource(io.root, io.env);
  io.out(
    source.envFile === undefined
      ? `No .env at ${join(io.root, '.env')}: using environment variables only.\n`
      : `Read settings from ${source.envFile} and the environment.\n`,
  );
  let settings: ManifestSettings;
  try {
    settings = parseManifestSettings(source.values, { defaultVersion: packageVersion(io.root), sample });
  } catch (error) {
    if (!isManifestSettingsError(error)) throw error;
    io.err(`${error.message}\n`);
    return 1;
  }
  const written = await createAppPackage({
    settings,
    iconsDir: join(io.root, 'appPackage'),
    outDir: join(io.root, 'build', 'appPackage'),
  });
  io.out(
    `Wrote ${written.manifestPath}\n` +
      `Wrote ${written.zipPath} (manifest.json, ${ICON_FILES.color}, ${ICON_FILES.outline})\n` +
      (settings.sample ? 'This is a SAMPLE package with placeholder ids: do not upload it.\n' : ''),
  );
  return 0;
}

if (require.main === module) {
  runPackageCommand(process.argv.slice(2), {
    root: resolve(__dirname, '..'),
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
