import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTabs, pageHtml, readTabCopy, TAB_PAGES } from '../../scripts/build-tabs';
import { TABS } from '../../src/manifest/buildManifest';
import { CONNECT_SOURCES, FRAME_ANCESTORS, tabFile } from '../../src/server/tabRoutes';
import { startBot, type RunningBot } from '../helpers/botHarness';

let tabsDir: string;
let bot: RunningBot;

beforeAll(async () => {
  tabsDir = mkdtempSync(join(tmpdir(), 'welcome-tabs-'));
  await buildTabs({ outDir: tabsDir });
  bot = await startBot({}, { tabsDir });
});
afterAll(async () => {
  await bot?.close();
  rmSync(tabsDir, { recursive: true, force: true });
});

describe('npm run build:tabs', () => {
  it('writes a page and a bundle for each static tab the manifest declares, and the style sheet', () => {
    expect(TABS.map((t) => t.path)).toEqual(TAB_PAGES.map((p) => `/tabs/${p}.html`));
    const files = readdirSync(tabsDir).sort();
    expect(files).toEqual(expect.arrayContaining(['checklist.html', 'checklist.js', 'starters.html', 'starters.js', 'tabs.css']));
    for (const page of TAB_PAGES) {
      const bundle = readFileSync(join(tabsDir, `${page}.js`), 'utf8');
      // The real library is inside: its handshake message and its list of trusted Microsoft hosts.
      expect(bundle).toContain('initialize');
      expect(bundle).toContain('teams.microsoft.com');
    }
  });

  it('writes pages whose words come from cards/tabs.json, with no inline script or style for the CSP to allow', () => {
    const copy = readTabCopy();
    for (const page of TAB_PAGES) {
      const html = readFileSync(join(tabsDir, `${page}.html`), 'utf8');
      expect(html).toContain(`<title>${copy[page].documentTitle}</title>`);
      expect(html).toContain(`<h1 id="page-heading">${copy[page].heading}</h1>`);
      expect(html).toContain('role="status"');
      expect(html).toContain('role="alert"');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    }
  });

  it('escapes copy that looks like markup', () => {
    const copy = readTabCopy();
    const html = pageHtml('checklist', { ...copy, checklist: { ...copy.checklist, heading: '<img src=x onerror=alert(1)>' } });
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });

  it('refuses a tabs.json with a missing or empty entry, naming where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'welcome-tabs-copy-'));
    const copy = JSON.parse(readFileSync('cards/tabs.json', 'utf8')) as { starters: Record<string, unknown>; checklist: Record<string, unknown> };
    delete copy.starters['send'];
    writeFileSync(join(dir, 'tabs.json'), JSON.stringify(copy));
    expect(() => readTabCopy(dir)).toThrow('tabs.json at starters.send');
    copy.starters['send'] = 'Send';
    copy.checklist['heading'] = '';
    writeFileSync(join(dir, 'tabs.json'), JSON.stringify(copy));
    expect(() => readTabCopy(dir)).toThrow('tabs.json at checklist.heading');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('GET /tabs/*', () => {
  it('serves each page with the security headers Teams expects', async () => {
    for (const file of ['checklist.html', 'starters.html', 'checklist.js', 'tabs.css']) {
      const res = await fetch(`${bot.baseUrl}/tabs/${file}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
      expect(directives['frame-ancestors']).toEqual([...FRAME_ANCESTORS]);
      expect(directives['script-src']).toEqual(["'self'"]);
      expect(directives['style-src']).toEqual(["'self'"]);
      expect(directives['connect-src']).toEqual([...CONNECT_SOURCES]);
      expect(directives['object-src']).toEqual(["'none'"]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    }
    expect((await fetch(`${bot.baseUrl}/tabs/checklist.html`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await fetch(`${bot.baseUrl}/tabs/checklist.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('lets Teams, Microsoft 365 and Outlook hosts frame the tabs, as Microsoft lists them, and nobody else', () => {
    expect(FRAME_ANCESTORS).toEqual(
      expect.arrayContaining([
        'https://teams.microsoft.com',
        'https://*.teams.microsoft.com',
        'https://*.cloud.microsoft',
        'https://*.microsoft365.com',
        'https://*.office.com',
        'https://outlook.office.com',
        'https://outlook.office365.com',
        'https://outlook-sdf.office.com',
        'https://outlook-sdf.office365.com',
      ]),
    );
    for (const source of FRAME_ANCESTORS) expect(source).toMatch(/^https:\/\/(\*\.)?[a-z0-9.-]+$/);
  });

  it('answers HEAD without a body', async () => {
    const res = await fetch(`${bot.baseUrl}/tabs/starters.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await res.text()).toBe('');
  });

  it.each([
    '/tabs/',
    '/tabs/missing.html',
    '/tabs/..%2Fpackage.json',
    '/tabs/%2e%2e%2f%2e%2e%2fpackage.json',
    '/tabs/..%5Cpackage.json',
    '/tabs/sub/checklist.html',
    '/tabs/checklist.exe',
    '/tabs/.hidden.js',
    '/tabs/%E0%A4%A.js',
    '/tabs/checklist.html%00.js',
  ])('answers 404 for %s', async (path) => {
    const res = await fetch(`${bot.baseUrl}${path}`);
    expect(res.status).toBe(404);
    // restify refuses a malformed escape itself (ResourceNotFound); either way nothing about the server leaks.
    expect(await res.json()).toEqual({ code: expect.stringMatching(/^(Resource)?NotFound$/), message: 'Not found.' });
  });

  it('only maps flat, known file names inside the folder', () => {
    expect(tabFile('/srv/tabs', '/tabs/checklist.html')).toEqual({ path: '/srv/tabs/checklist.html', type: 'text/html; charset=utf-8' });
    expect(tabFile('/srv/tabs', '/tabs/a..b.js')).toBeUndefined();
    expect(tabFile('/srv/tabs', '/tabs/%2F etc%2Fpasswd.txt')).toBeUndefined();
  });
});
