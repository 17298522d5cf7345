/**
 * The Bicep templates in infra/ and the runbook (docs/deploy.md) promise what the bot needs: settings it reads,
 * probe values the Container Apps API accepts, Always On, no build on App Service, jobs that exist. There is no
 * bicep CLI or Azure subscription here, so the templates are read as text: this catches drift, not every Bicep error.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema } from '../../src/config/config';

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const APP_SERVICE = read('infra/appservice.bicep');
const CONTAINER_APPS = read('infra/containerapps.bicep');
const DEPLOY = read('docs/deploy.md');

/** Settings App Service or node itself reads, not the bot. */
const PLATFORM_SETTINGS = new Set(['SCM_DO_BUILD_DURING_DEPLOYMENT', 'NODE_OPTIONS']);

/** Names of `{ name: 'X', value: … }` / `{ name: 'X', secretRef: … }` entries (app settings, container env). */
function settingNames(bicep: string): string[] {
  return [...bicep.matchAll(/\{\s*name:\s*'([A-Za-z_][A-Za-z0-9_]*)',\s*(?:value|secretRef):/g)].map((m) => m[1] as string);
}

function numbers(text: string, key: string): number[] {
  return [...text.matchAll(new RegExp(`"?${key}"?\\s*:\\s*(\\d+)`, 'g'))].map((m) => Number(m[1]));
}

describe('the Bicep templates', () => {
  const botSettings = new Set(Object.keys(settingsSchema.shape));

  it.each([
    ['infra/appservice.bicep', APP_SERVICE],
    ['infra/containerapps.bicep', CONTAINER_APPS],
  ])('%s sets only settings the bot (or the platform) reads, each once', (_file, bicep) => {
    const names = settingNames(bicep);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !botSettings.has(n) && !PLATFORM_SETTINGS.has(n))).toEqual([]);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    // Production, shared store, and the users' tenant for tab tokens and Graph (the NHSmail tenant, not the host's).
    for (const required of [
      'NODE_ENV',
      'MicrosoftAppId',
      'MicrosoftAppTenantId',
      'STORAGE',
      'AZURE_STORAGE_ACCOUNT_URL',
      'ENTRA_TENANT_ID',
      'GRAPH_TENANT_ID',
      'PUBLIC_HOSTNAME',
    ]) {
      expect(names).toContain(required);
    }
  });

  it('App Service: Node 24, Always On, health check on /readyz, plain node, no build automation, Key Vault references through the user-assigned identity', () => {
    expect(APP_SERVICE).toMatch(/linuxFxVersion: 'NODE\|24-lts'/);
    expect(APP_SERVICE).toMatch(/alwaysOn: true/);
    expect(APP_SERVICE).toMatch(/healthCheckPath: '\/readyz'/);
    expect(APP_SERVICE).toMatch(/appCommandLine: 'node dist\/index\.js'/);
    expect(APP_SERVICE).toMatch(/\{ name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' \}/);
    expect(APP_SERVICE).toMatch(/keyVaultReferenceIdentity: identity\.id/);
    expect(APP_SERVICE).toMatch(/httpsOnly: true/);
  });

  it("Container Apps: probe values within the API limits, readiness timeout above /readyz's own 2 s, never scaled to zero", () => {
    const failure = numbers(CONTAINER_APPS, 'failureThreshold');
    expect(failure.length).toBe(3);
    expect(failure.every((n) => n >= 1 && n <= 10)).toBe(true);
    expect(numbers(CONTAINER_APPS, 'periodSeconds').every((n) => n >= 1 && n <= 240)).toBe(true);
    expect(numbers(CONTAINER_APPS, 'initialDelaySeconds').every((n) => n >= 0 && n <= 60)).toBe(true);
    expect(numbers(CONTAINER_APPS, 'timeoutSeconds').every((n) => n >= 1 && n <= 240)).toBe(true);
    expect(CONTAINER_APPS).toMatch(/type: 'Readiness', httpGet: \{ path: '\/readyz'[^}]*\}[^}]*timeoutSeconds: [3-9]/);
    expect(CONTAINER_APPS).toMatch(/type: 'Liveness', httpGet: \{ path: '\/healthz'/);
    expect(numbers(CONTAINER_APPS, 'minReplicas')[0]).toBeGreaterThanOrEqual(2);
    // The bot's grace period stays below the platform's.
    const grace = Number(/name: 'SHUTDOWN_GRACE_MS', value: '(\d+)'/.exec(CONTAINER_APPS)?.[1]);
    expect(grace).toBeLessThan((numbers(CONTAINER_APPS, 'terminationGracePeriodSeconds')[0] ?? 30) * 1000);
  });

  it('Container Apps jobs run compiled jobs that exist, with plain node', () => {
    const scripts = [...CONTAINER_APPS.matchAll(/script: 'dist\/cli\/([a-z-]+)\.js'/g)].map((m) => m[1] as string);
    expect(scripts.sort()).toEqual(['remind', 'report-unanswered', 'retention']);
    for (const s of scripts) expect(existsSync(join(ROOT, 'src', 'cli', `${s}.ts`))).toBe(true);
    expect(CONTAINER_APPS).toMatch(/command: \['node', job\.script\]/);
  });
});

describe('the runbook and the other docs agree', () => {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => [f, read(`docs/${f}`)] as const);

  it('give every Container Apps probe a failureThreshold the API accepts (at most 10)', () => {
    for (const [, text] of docs) expect(numbers(text, 'failureThreshold').filter((n) => n < 1 || n > 10)).toEqual([]);
  });

  it('give one soft-delete period, the one the template sets (7 days)', () => {
    const days = numbers(APP_SERVICE, 'days');
    expect(new Set(days)).toEqual(new Set([7]));
    for (const [file, text] of docs) {
      const stated = [...text.matchAll(/soft[- ]delete[^.\n]{0,80}?\b(\d+) days/gi)].map((m) => Number(m[1]));
      expect({ file, stated: stated.filter((d) => d !== 7) }).toEqual({ file, stated: [] });
    }
  });

  it('no longer say there is one instance until a shared store lands (it has)', () => {
    for (const [file, text] of docs) expect({ file, stale: /until the shared store lands/i.test(text) }).toEqual({ file, stale: false });
  });

  it('name the runbook sections an engineer works through, in order', () => {
    const headings = [...DEPLOY.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
    const order = [
      'Tenant topology',
      'Host name',
      'Identity',
      'Hosting',
      'Storage',
      'Packaging',
      'Monitoring',
      'Backup',
      'Rotation',
      'Security',
      'Rollout',
      'Production checklist',
    ];
    const positions = order.map((word) => headings.findIndex((h) => h.includes(word)));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
