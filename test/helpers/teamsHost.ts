/**
 * A stand-in for the Teams web client, for browser tests of the tabs: a host page that frames a tab and answers
 * the @microsoft/teams-js v2 postMessage protocol the way Teams does, so the real library runs in the tab.
 *
 * Protocol (read from node_modules/@microsoft/teams-js, src/internal/communication.ts and messageObjects.ts):
 * - the tab posts requests `{ id, uuidAsString, func, args, timestamp, apiVersionTag, … }` to its parent
 *   (`initialize` with target origin '*', later ones to the origin that answered);
 * - the host answers `{ id, uuidAsString, args }` from its own window, and the library accepts the answer only
 *   from an https origin in its list of Microsoft hosts (teams.microsoft.com is one);
 * - `initialize` → args `[frameContext, hostClientType, runtimeConfig (JSON), clientSupportedSDKVersion]`;
 *   `getContext` → `[legacy context]` (locale, theme, entityId, userObjectId, tid, loginHint, …);
 *   `authentication.getAuthToken` → `[true, token]` or `[false, reason]`;
 *   `registerHandler` is one-way; the host pushes events as `{ func: 'themeChange', args: [theme] }`.
 *
 * Where things live: the browser believes the host is https://teams.microsoft.com and the tab is
 * https://welcome.tabs.test (the PUBLIC_HOSTNAME of a deployment). Playwright answers the host page itself and
 * forwards every request for the tab's origin to the real bot on loopback (http://127.0.0.1:port), headers and
 * all, so the bot's CSP (frame-ancestors, connect-src) is what the browser enforces. Anything else (teams-js's
 * CDN list of hosts, for one) is refused as if offline. Only Playwright routing makes https possible here without
 * certificates, and only a real Microsoft host origin lets the unmodified library and the unmodified CSP work.
 */
import { randomUUID } from 'node:crypto';
import { launchChromium as launchOfflineChromium } from '../../scripts/card-gallery/browser';
import { type Browser, type BrowserContext, type Frame, type Page, type Route } from 'playwright-core';

export const TEAMS_ORIGIN = 'https://teams.microsoft.com';
export const TAB_ORIGIN = 'https://welcome.tabs.test';
/** An https origin that is neither Microsoft's nor the app's, for refusal tests. */
export const FOREIGN_ORIGIN = 'https://intranet.example.org';

export type TeamsTheme = 'default' | 'dark' | 'contrast';

/** Launches Debian's chromium headless, offline-friendly (no background networking). */
export function launchChromium(): Promise<Browser> {
  // Keep cross-origin frames in the page's process: Playwright 1.65 cannot work out element positions in an
  // out-of-process frame of this Chromium (156) ("Object not disposable"), so clicks in the tab would hang.
  // Origins, postMessage and CSP behave the same; only the process boundary goes.
  return launchOfflineChromium(['--disable-site-isolation-trials', '--disable-features=IsolateOrigins,site-per-process']);
}

/** The signed-in Teams user the host describes in getContext. */
export interface HostUser {
  readonly aadObjectId: string;
  readonly upn: string;
  readonly name: string;
  readonly tenantId: string;
}

export interface OpenTabOptions {
  /** Base URL of the bot on loopback, e.g. http://127.0.0.1:1234. */
  readonly botBaseUrl: string;
  /** Path of the tab on the bot (the manifest's contentUrl path), e.g. /tabs/checklist.html. */
  readonly path: string;
  /** The manifest's entityId of the tab (page.id in the context). */
  readonly entityId: string;
  /** What a deep link put in context.subEntityId (page.subPageId); empty when the tab was opened normally. */
  readonly subEntityId?: string;
  readonly user: HostUser;
  /** Mints the SSO token Teams hands out; undefined makes getAuthToken fail as when consent is missing. */
  readonly token: () => string | undefined;
  readonly theme?: TeamsTheme;
  readonly viewport?: { width: number; height: number };
  /** false: the host frames the tab but never answers (an unresponsive or non-Teams parent). Default true. */
  readonly answer?: boolean;
  /** Where the host page lives (default Teams); a foreign origin shows what the CSP does. */
  readonly hostOrigin?: string;
}

/** A message the tab sent to the host. */
export interface HostMessage {
  readonly func: string;
  readonly args: unknown[];
}

export interface HostedTab {
  readonly context: BrowserContext;
  /** The host page (Teams). */
  readonly page: Page;
  /** The framed tab, once its document has loaded. */
  tab(): Promise<Frame>;
  /** Every teams-js request the tab sent to the host, in order. */
  messages(): Promise<HostMessage[]>;
  /** Sends Teams' theme change event to the tab. */
  setTheme(theme: TeamsTheme): Promise<void>;
  /** Console lines about Content-Security-Policy from any frame, and uncaught page errors. */
  readonly problems: string[];
  /** How many SSO tokens the host handed out. */
  tokensIssued(): number;
  close(): Promise<void>;
}

/** Serves the requests a context makes: the host page, the tab (forwarded to the bot), nothing else. */
async function routeContext(context: BrowserContext, botBaseUrl: string, hostHtml: (url: URL) => string | undefined): Promise<void> {
  // Fail a step with Playwright's own message (what it waited for) well before jest's test timeout.
  context.setDefaultTimeout(15_000);
  await context.route('**/*', async (route: Route) => {
    const url = new URL(route.request().url());
    if (url.origin === TAB_ORIGIN) {
      try {
        const response = await route.fetch({ url: `${botBaseUrl}${url.pathname}${url.search}`, maxRedirects: 0 });
        await route.fulfill({ response });
      } catch {
        await route.abort('connectionrefused').catch(() => undefined);
      }
      return;
    }
    const html = url.origin === TEAMS_ORIGIN || url.origin === FOREIGN_ORIGIN ? hostHtml(url) : undefined;
    if (html !== undefined) {
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      return;
    }
    await route.abort('internetdisconnected');
  });
}

/** A browser context with the tab's origin routed to the bot, for opening a tab on its own (outside Teams). */
export async function openTabAlone(
  browser: Browser,
  botBaseUrl: string,
  path: string,
  viewport = { width: 1024, height: 768 },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  await routeContext(context, botBaseUrl, () => undefined);
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${TAB_ORIGIN}${path}`);
  return { context, page, problems };
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

/** The runtime configuration a current Teams web client reports (apiVersion 4, the capabilities the tabs use). */
const RUNTIME_CONFIG = {
  apiVersion: 4,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  isNAAChannelRecommended: false,
  isLegacyTeams: false,
  supports: {
    app: {},
    appEntity: {},
    appInstallDialog: {},
    authentication: {},
    chat: {},
    conversations: {},
    dialog: { card: { bot: {} }, url: { bot: {}, parentCommunication: {} }, update: {} },
    pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} },
    profile: {},
    sharing: {},
    stageView: {},
    teamsCore: {},
    webStorage: {},
  },
};

function hostPage(config: Record<string, unknown>): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Microsoft Teams (test host)</title>
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%;display:block}</style></head>
<body>
<script id="config" type="application/json">${json}</script>
<script>
(() => {
  const config = JSON.parse(document.getElementById('config').textContent);
  const frame = document.createElement('iframe');
  frame.title = config.tabName;
  frame.src = config.tabUrl;
  document.body.append(frame);
  const received = [];
  let theme = config.theme;
  window.__received = received;
  window.__setTheme = (next) => {
    theme = next;
    frame.contentWindow.postMessage({ func: 'themeChange', args: [next] }, config.tabOrigin);
  };
  window.addEventListener('message', async (event) => {
    if (event.source !== frame.contentWindow || event.origin !== config.tabOrigin) return;
    const m = event.data;
    if (!m || typeof m.func !== 'string') return;
    received.push({ func: m.func, args: m.args || [] });
    if (!config.answer) return;
    const reply = (...args) => frame.contentWindow.postMessage({ id: m.id, uuidAsString: m.uuidAsString, args }, event.origin);
    switch (m.func) {
      case 'initialize':
        reply('content', 'web', JSON.stringify(config.runtime), '2.0.1');
        break;
      case 'getContext':
        reply({
          locale: 'en-gb',
          theme,
          entityId: config.entityId,
          subEntityId: config.subEntityId,
          userObjectId: config.user.aadObjectId,
          userPrincipalName: config.user.upn,
          loginHint: config.user.upn,
          userDisplayName: config.user.name,
          tid: config.user.tenantId,
          tenantSKU: 'enterprise',
          userLicenseType: 'Unknown',
          hostClientType: 'web',
          hostName: 'Teams',
          frameContext: 'content',
          appSessionId: config.sessionId,
          sessionId: config.sessionId,
          ringId: 'general',
          isFullScreen: false,
        });
        break;
      case 'authentication.getAuthToken': {
        const token = await window.__teamsHostToken();
        if (token) reply(true, token);
        else reply(false, 'resourceRequiresConsent');
        break;
      }
      default:
        // registerHandler and the other one-way messages need no answer.
        break;
    }
  });
})();
</script>
</body></html>`;
}

/** Opens a host page that frames the tab and answers it as Teams does. */
export async function openTabInTeams(browser: Browser, options: OpenTabOptions): Promise<HostedTab> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1024, height: 768 } });
  const hostOrigin = options.hostOrigin ?? TEAMS_ORIGIN;
  const config = {
    tabUrl: `${TAB_ORIGIN}${options.path}`,
    tabOrigin: TAB_ORIGIN,
    tabName: options.entityId,
    entityId: options.entityId,
    subEntityId: options.subEntityId ?? '',
    user: options.user,
    theme: options.theme ?? 'default',
    answer: options.answer ?? true,
    runtime: RUNTIME_CONFIG,
    sessionId: randomUUID(),
  };
  await routeContext(context, options.botBaseUrl, (url) => (url.origin === hostOrigin && url.pathname === '/_host' ? hostPage(config) : undefined));
  const page = await context.newPage();
  const problems = watchProblems(page);
  let issued = 0;
  await page.exposeFunction('__teamsHostToken', () => {
    const token = options.token();
    if (token !== undefined) issued += 1;
    return token ?? null;
  });
  await page.goto(`${hostOrigin}/_host`);
  const tab = async (): Promise<Frame> => {
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    if (!frame) throw new Error('the host page has no tab frame');
    await frame.waitForURL((url) => url.origin === TAB_ORIGIN);
    await frame.waitForLoadState('domcontentloaded');
    return frame;
  };
  return {
    context,
    page,
    tab,
    messages: () => page.evaluate(() => (window as unknown as { __received: HostMessage[] }).__received.slice()),
    setTheme: (theme) => page.evaluate((t) => (window as unknown as { __setTheme: (t: string) => void }).__setTheme(t), theme),
    problems,
    tokensIssued: () => issued,
    close: () => context.close(),
  };
}

/** Runs `body` in the hosted tab, expects no CSP violation or page error on the way, and closes the host. */
export async function withTab<T>(host: HostedTab, body: (tab: Frame) => Promise<T>): Promise<T> {
  try {
    const tab = await host.tab();
    const result = await body(tab);
    expect(host.problems).toEqual([]);
    return result;
  } finally {
    await host.close();
  }
}
