/**
 * Everything a tab browser test needs: the tabs built into a temporary folder, a Teams emulator, an identity
 * emulator (RS256 Entra tokens from a loopback JWKS), the real bot configured to validate them and to serve the
 * built tabs, and one headless chromium. No test-framework imports here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildTabs } from '../../scripts/build-tabs';
import type { TeamsScene } from './activities';
import { startBot, startTeams, tempDataDir, type RunningBot } from './botHarness';
import { startIdentityEmulator, type IdentityEmulator } from './identityEmulator';
import { launchChromium, openTabInTeams, type HostedTab, type OpenTabOptions } from './teamsHost';
import type { TeamsEmulator, TeamsUser } from './teamsEmulator';

/** The SSO audience (webApplicationInfo.resource) the test deployment uses. */
export const TAB_AUDIENCE = 'api://welcome.tabs.test/00000000-0000-0000-0000-00000000b07a';

export interface TabStack {
  readonly teams: TeamsEmulator;
  readonly scene: TeamsScene;
  readonly identity: IdentityEmulator;
  readonly bot: RunningBot;
  readonly browser: Browser;
  /** The bot's DATA_DIR (audit.jsonl, state). */
  readonly dataDir: string;
  /** A valid Teams SSO token for the user. */
  tokenFor(user: TeamsUser): string;
  /** Opens a tab in the Teams host as this user. */
  open(user: TeamsUser, tab: 'checklist' | 'starters', options?: Partial<OpenTabOptions>): Promise<HostedTab>;
  close(): Promise<void>;
}

/** Builds the tabs and starts the emulators, the bot (with extra settings, which may name emulator users) and chromium. */
export async function startTabStack(envFor: (teams: TeamsEmulator) => Record<string, string> = () => ({})): Promise<TabStack> {
  const tabsDir = mkdtempSync(join(tmpdir(), 'welcome-tabs-'));
  const [{ teams, scene }, identity, browser] = await Promise.all([startTeams(), startIdentityEmulator(), launchChromium(), buildTabs({ outDir: tabsDir })]);
  const dataDir = tempDataDir();
  const bot = await startBot(
    {
      DATA_DIR: dataDir,
      GRAPH_ENABLED: 'false',
      TEAMS_SERVICE_URL: teams.serviceUrl,
      ENTRA_TENANT_ID: teams.tenantId,
      API_AUDIENCES: TAB_AUDIENCE,
      ENTRA_ISSUERS: identity.entraIssuer(teams.tenantId),
      ENTRA_JWKS_URL: identity.jwksUri,
      ...envFor(teams),
    },
    { tabsDir },
  );
  const tokenFor = (user: TeamsUser): string =>
    identity.entraToken({ tenantId: teams.tenantId, audience: TAB_AUDIENCE, oid: user.aadObjectId, upn: user.upn, name: user.name });
  return {
    teams,
    scene,
    identity,
    bot,
    browser,
    dataDir,
    tokenFor,
    open: (user, tab, options = {}) =>
      openTabInTeams(browser, {
        botBaseUrl: bot.baseUrl,
        path: `/tabs/${tab}.html`,
        entityId: tab,
        user: { aadObjectId: user.aadObjectId, upn: user.upn, name: user.name, tenantId: teams.tenantId },
        token: () => tokenFor(user),
        ...options,
      }),
    close: async () => {
      await browser.close();
      await bot.close();
      await identity.close();
      await teams.close();
      rmSync(tabsDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
