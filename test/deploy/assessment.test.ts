/**
 * docs/nhsmail-assessment.md answers NHSmail's Hurdle Assessment. Its permission list must be what the manifest and
 * the Graph calls in the code need, and its data list must name every kind of key the code stores: when either
 * drifts, this fails until the page is updated.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildManifest } from '../../src/manifest/buildManifest';
import { parseManifestSettings } from '../../src/manifest/settings';
import { markdownSection, tableRows as rows } from '../helpers/markdown';
import { DEFAULT_VERSION } from '../manifest/settingsFixture';

const ROOT = join(__dirname, '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'nhsmail-assessment.md'), 'utf8');

/** The body of one `## Heading` section of the page. */
const section = (heading: string): string => markdownSection(PAGE, heading);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return relative(ROOT, path).startsWith(join('src', 'tabs', 'web')) ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
const SOURCES = sourceFiles(join(ROOT, 'src')).map((path) => ({ path: relative(ROOT, path), code: readFileSync(path, 'utf8') }));

/** Graph calls → the application permissions Microsoft lists for them (docs/deploy.md and the page cite the pages). */
const GRAPH_PERMISSIONS: { readonly call: RegExp; readonly permissions: readonly string[] }[] = [
  { call: /^GET \/users\/\{\}$/, permissions: ['User.Read.All'] },
  { call: /^GET \/users$/, permissions: ['User.Read.All'] },
  { call: /^POST \/users\/\{\}\/teamwork\/installedApps$/, permissions: ['TeamsAppInstallation.ReadWriteSelfForUser.All'] },
  { call: /^POST \/users\/\{\}\/checkMemberGroups$/, permissions: ['User.Read.All', 'GroupMember.Read.All'] },
];

/** Every Graph request the code makes, as "METHOD /path" with parameters as {} and no query. */
function graphCalls(): string[] {
  const calls = new Set<string>();
  for (const { code } of SOURCES) {
    for (const m of code.matchAll(/request\(\s*'(GET|POST|PATCH|PUT|DELETE)',\s*`([^`]+)`/g)) {
      calls.add(`${m[1]} ${(m[2] as string).split('?')[0]?.replace(/\$\{[^}]+\}/g, '{}')}`);
    }
  }
  return [...calls].sort();
}

describe('the permissions in the assessment pack', () => {
  const table = rows(section('Permissions'));

  it("are exactly the Graph application permissions the code's Graph calls need", () => {
    const calls = graphCalls();
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const unmapped = calls.filter((c) => !GRAPH_PERMISSIONS.some((p) => p.call.test(c)));
    expect(unmapped).toEqual([]);
    const needed = new Set(calls.flatMap((c) => GRAPH_PERMISSIONS.filter((p) => p.call.test(c)).flatMap((p) => p.permissions)));
    const listed = table.filter((r) => r[0] === 'Microsoft Graph').map((r) => (r[1] ?? '').replace(/`/g, ''));
    expect(table.filter((r) => r[0] === 'Microsoft Graph').every((r) => r[2] === 'application')).toBe(true);
    expect([...listed].sort()).toEqual([...needed].sort());
  });

  it("include rollout mode's User.Read.All use (account age) among the reasons", () => {
    const userRead = table.find((r) => r[1] === '`User.Read.All`');
    expect(userRead?.[3]).toMatch(/rollout mode/);
    expect(userRead?.[5]).toMatch(/WELCOME_NEW_ACCOUNTS_WITHIN_DAYS/);
  });

  it('match the manifest: SSO through webApplicationInfo, no RSC permissions, the bot scopes it declares', () => {
    const manifest = buildManifest(parseManifestSettings({}, { defaultVersion: DEFAULT_VERSION, sample: true })) as unknown as Record<string, unknown>;
    expect(manifest.webApplicationInfo).toBeDefined();
    expect(table.some((r) => r[1] === '`access_as_user`' && /delegated/.test(r[2] ?? ''))).toBe(true);
    // Resource-specific consent lives under "authorization.permissions.resourceSpecific": none today, and the page says so.
    expect(manifest.authorization).toBeUndefined();
    expect(PAGE).toMatch(/no resource-specific consent \(RSC\) permission/);
    const bots = manifest.bots as { scopes: string[] }[];
    const scopes = bots.flatMap((b) => b.scopes);
    const stated = /Bot scopes: ((?:`[a-zA-Z]+`(?:, )?)+)/.exec(section('Permissions'))?.[1] ?? '';
    expect([...stated.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]).sort()).toEqual([...new Set(scopes)].sort());
    expect(manifest.composeExtensions).toBeUndefined();
    expect(manifest.connectors).toBeUndefined();
  });
});

/**
 * Kinds of storage key the code writes, by their first segment: template literals such as `pushes/${…}` and
 * constants such as 'deliveries/jobs/'. Delivery job ids (`welcome/…`, `reminder/…`) live under deliveries/jobs/.
 */
const JOB_IDS = new Set(['welcome', 'reminder']);
/** Blob folders: state/ holds every key; audit/ is the trail. */
const BLOB_FOLDERS = new Set(['state', 'audit']);
/** Paths that are not stored data. */
const NOT_STORED = new Set(['templates']);

function codeKeyKinds(): Set<string> {
  const kinds = new Set<string>();
  for (const { code } of SOURCES) {
    for (const m of code.matchAll(/`([a-z][a-z-]*)\/(?:[a-z-]+\/)*\$\{/g)) kinds.add(m[1] as string);
    for (const m of code.matchAll(/'([a-z][a-z-]*)\/(?:[a-z-]+\/)*'/g)) kinds.add(m[1] as string);
    if (/\/conversations\/\$\{/.test(code)) kinds.add('{channel}');
    // Keys whose first segment is built from parts, e.g. `index-${rule}-${day}/…` (the due-day index).
    for (const m of code.matchAll(/`([a-z]+)-\$\{(\w+)\}-\$\{(\w+)\}\//g)) kinds.add(`${m[1] as string}-{${m[2] as string}}-{${m[3] as string}}`);
  }
  return kinds;
}

describe('the data list in the assessment pack', () => {
  const table = rows(section('Data stored'));
  const prefixes = table.map((r) => /^`([^`]+)`/.exec(r[0] ?? '')?.[1]).filter((p): p is string => p !== undefined);

  it('names every kind of key the code stores, and nothing the code does not', () => {
    const kinds = codeKeyKinds();
    expect(kinds.size).toBeGreaterThan(6);
    const expected = new Set<string>();
    for (const kind of kinds) {
      // 'deliveries' is the job folder: its rows are the job kinds under deliveries/jobs/.
      if (NOT_STORED.has(kind) || kind === 'state' || kind === 'deliveries') continue;
      expected.add(JOB_IDS.has(kind) ? `deliveries/jobs/${kind}` : kind);
    }
    const documented = new Set(
      prefixes.map((p) => {
        const segments = p.split('/');
        return segments[0] === 'deliveries' ? segments.slice(0, 3).join('/') : (segments[0] as string);
      }),
    );
    documented.delete('deliveries');
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  it('gives each a retention and says whether it is personal data', () => {
    for (const row of table) {
      expect(row).toHaveLength(4);
      expect(row[2]).not.toBe('');
      expect(row[3]).not.toBe('');
    }
  });

  it('names the Azure queue and the logs outside the container, and a 7-day backup window', () => {
    const data = section('Data stored');
    expect(data).toMatch(/\*\*Azure Queue Storage\*\*/);
    expect(data).toMatch(/\*\*Logs\*\*/);
    expect(data).toMatch(/\*\*7 days\*\*/);
    for (const folder of BLOB_FOLDERS) expect(data).toContain(`${folder}/`);
  });

  it('cites security tests that exist', () => {
    const tests = [...section('Security tests and what they prove').matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((m) => m[1] as string);
    expect(tests.length).toBeGreaterThan(5);
    expect(tests.filter((t) => !existsSync(join(ROOT, t)))).toEqual([]);
  });
});
