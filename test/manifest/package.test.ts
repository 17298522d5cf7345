import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { createAppPackage, packageFileName, runPackageCommand } from '../../scripts/package';
import { parseManifestSettings } from '../../src/manifest/settings';
import { DEFAULT_VERSION, deploymentEnv } from './settingsFixture';

const APP_PACKAGE = join(__dirname, '..', '..', 'appPackage');

/** A throwaway project root with package.json and the committed icons, like the repository's. */
function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'apppkg-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'x', version: '3.2.1' }));
  mkdirSync(join(root, 'appPackage'));
  for (const icon of ['color.png', 'outline.png']) copyFileSync(join(APP_PACKAGE, icon), join(root, 'appPackage', icon));
  return root;
}

function capture() {
  const lines = { out: '', err: '' };
  return {
    lines,
    io: (root: string, env: NodeJS.ProcessEnv) => ({
      root,
      env,
      out: (text: string) => {
        lines.out += text;
      },
      err: (text: string) => {
        lines.err += text;
      },
    }),
  };
}

describe('npm run package', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  function root(): string {
    const made = makeRoot();
    roots.push(made);
    return made;
  }

  it('writes manifest.json and a zip holding exactly manifest.json, color.png and outline.png at its root', async () => {
    const out = join(root(), 'build');
    const settings = parseManifestSettings(deploymentEnv(), { defaultVersion: DEFAULT_VERSION });
    const written = await createAppPackage({ settings, iconsDir: APP_PACKAGE, outDir: out });

    expect(written.zipPath).toBe(join(out, 'nhsmail-welcome-0.1.0.zip'));
    const zip = await JSZip.loadAsync(readFileSync(written.zipPath));
    const entries = Object.values(zip.files);
    expect(entries.map((e) => e.name).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(entries.some((e) => e.dir)).toBe(false);

    const zipped = JSON.parse(await zip.file('manifest.json')!.async('string')) as unknown;
    expect(zipped).toEqual(JSON.parse(readFileSync(written.manifestPath, 'utf8')));
    expect(zipped).toEqual(written.manifest);
    for (const icon of ['color.png', 'outline.png']) {
      const bytes = await zip.file(icon)!.async('nodebuffer');
      expect(bytes.equals(readFileSync(join(APP_PACKAGE, icon)))).toBe(true);
    }
  });

  it('produces the same bytes for the same settings, so an unchanged app gives an unchanged package', async () => {
    const settings = parseManifestSettings(deploymentEnv(), { defaultVersion: DEFAULT_VERSION });
    const a = await createAppPackage({ settings, iconsDir: APP_PACKAGE, outDir: join(root(), 'a') });
    const b = await createAppPackage({ settings, iconsDir: APP_PACKAGE, outDir: join(root(), 'b') });
    expect(readFileSync(a.zipPath).equals(readFileSync(b.zipPath))).toBe(true);
  });

  it('names the zip after the short name and version, and marks a sample', () => {
    const env = deploymentEnv({ APP_NAME_SHORT: 'Bienvenue NHSmail!', APP_VERSION: '1.4.0' });
    expect(packageFileName(parseManifestSettings(env, { defaultVersion: DEFAULT_VERSION }))).toBe('bienvenue-nhsmail-1.4.0.zip');
    expect(packageFileName(parseManifestSettings({}, { defaultVersion: DEFAULT_VERSION, sample: true }))).toBe('nhsmail-welcome-0.1.0-sample.zip');
  });

  it('reads .env under the environment, uses package.json’s version, and prints where it wrote the files', async () => {
    const dir = root();
    const lines = Object.entries(deploymentEnv({ TEAMS_APP_ID: '11111111-2222-4333-8444-555555555555' }))
      .map(([k, v]) => `${k}=${v ?? ''}`)
      .join('\n');
    writeFileSync(join(dir, '.env'), lines);
    const { lines: printed, io } = capture();

    const code = await runPackageCommand([], io(dir, { APP_NAME_SHORT: 'From the environment' }));

    expect(code).toBe(0);
    const manifestPath = join(dir, 'build', 'appPackage', 'manifest.json');
    const zipPath = join(dir, 'build', 'appPackage', 'from-the-environment-3.2.1.zip');
    expect(printed.out).toContain(`Read settings from ${join(dir, '.env')}`);
    expect(printed.out).toContain(`Wrote ${manifestPath}`);
    expect(printed.out).toContain(`Wrote ${zipPath}`);
    expect(existsSync(zipPath)).toBe(true);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { id: string; version: string; name: { short: string } };
    expect(manifest).toMatchObject({ id: '11111111-2222-4333-8444-555555555555', version: '3.2.1', name: { short: 'From the environment' } });
  });

  it('fails without writing anything when settings are missing, naming each one', async () => {
    const dir = root();
    const { lines: printed, io } = capture();

    const code = await runPackageCommand([], io(dir, { TEAMS_APP_ID: '11111111-2222-4333-8444-555555555555' }));

    expect(code).toBe(1);
    expect(printed.out).toContain('No .env at');
    expect(printed.err).toMatch(/^Missing setting MICROSOFT_APP_ID \(or MicrosoftAppId\): /m);
    expect(printed.err).toMatch(/^Missing setting PUBLIC_HOSTNAME: /m);
    expect(printed.err).not.toContain('TEAMS_APP_ID');
    expect(existsSync(join(dir, 'build'))).toBe(false);
  });

  it('builds a clearly marked sample package with --sample', async () => {
    const dir = root();
    const { lines: printed, io } = capture();

    expect(await runPackageCommand(['--sample'], io(dir, {}))).toBe(0);
    expect(existsSync(join(dir, 'build', 'appPackage', 'nhsmail-welcome-3.2.1-sample.zip'))).toBe(true);
    expect(printed.out).toContain('SAMPLE package');
  });

  it('refuses an unknown argument', async () => {
    const { lines: printed, io } = capture();
    expect(await runPackageCommand(['--smaple'], io(root(), {}))).toBe(2);
    expect(printed.err).toContain('Unknown argument --smaple');
  });
});
