/**
 * A bot that runs as a user-assigned managed identity (MicrosoftAppType=UserAssignedMSI) cannot expose an API, so
 * its tabs sign in with a separate SSO app: the registration Graph uses (GRAPH_CLIENT_ID, docs/teams-app.md §3).
 * Tab tokens carry that app's id. The API must accept them by default, or the start must stop and say what to set.
 */
import { ConfigError, loadConfig } from '../../src/config/config';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

const MSI_CLIENT_ID = '3f0c8a52-9d41-4b6e-8a7f-1c2d3e4f5a6b';
const SSO_APP_ID = '7d1e2f30-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const HOST = 'welcome.trust.example.nhs.uk';
const defaults = { contentDir: 'cards' };

function msiSettings(tenantId: string): Record<string, string> {
  return { NODE_ENV: 'production', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: MSI_CLIENT_ID, MicrosoftAppTenantId: tenantId, PUBLIC_HOSTNAME: HOST };
}

describe('the tab API audiences with a managed identity', () => {
  it('follow the SSO app (GRAPH_CLIENT_ID), never the managed identity', () => {
    const config = loadConfig({ ...msiSettings('t'), GRAPH_CLIENT_ID: SSO_APP_ID }, defaults);
    expect(config.entra?.audiences).toEqual([SSO_APP_ID, `api://${HOST}/${SSO_APP_ID}`]);
  });

  it('stop the start with one line naming API_AUDIENCES when the SSO app is unknown', () => {
    expect(() => loadConfig(msiSettings('t'), defaults)).toThrow(ConfigError);
    expect(() => loadConfig(msiSettings('t'), defaults)).toThrow(
      "Invalid setting API_AUDIENCES: required with MicrosoftAppType=UserAssignedMSI unless GRAPH_CLIENT_ID is the tabs' SSO app (tab tokens carry the SSO app's id, never the managed identity's)",
    );
  });

  it('are what API_AUDIENCES says when it is given', () => {
    expect(loadConfig({ ...msiSettings('t'), API_AUDIENCES: `api://${HOST}/${SSO_APP_ID}` }, defaults).entra?.audiences).toEqual([
      `api://${HOST}/${SSO_APP_ID}`,
    ]);
  });

  it("stay the bot's own app for a SingleTenant registration", () => {
    const config = loadConfig({ MicrosoftAppId: SSO_APP_ID, MicrosoftAppPassword: 'p', MicrosoftAppTenantId: 't', PUBLIC_HOSTNAME: HOST }, defaults);
    expect(config.entra?.audiences).toEqual([SSO_APP_ID, `api://${HOST}/${SSO_APP_ID}`]);
  });
});

describe('a tab token, against the real server running as a managed identity', () => {
  let teams: TeamsEmulator;
  let identity: IdentityEmulator;
  let bot: RunningBot;

  beforeAll(async () => {
    ({ teams } = await startTeams());
    identity = await startIdentityEmulator();
    bot = await startBot({
      ...msiSettings(teams.tenantId),
      // Only the defaults under test: no API_AUDIENCES. Graph stays off (no secret: the identity signs in).
      GRAPH_CLIENT_ID: SSO_APP_ID,
      GRAPH_ENABLED: 'false',
      // The emulators answer plain http on loopback, which production refuses; the audiences do not depend on it.
      NODE_ENV: 'test',
      TEAMS_SERVICE_URL: teams.serviceUrl,
      ENTRA_ISSUERS: identity.entraIssuer(teams.tenantId),
      ENTRA_JWKS_URL: identity.jwksUri,
    });
  });
  afterAll(async () => {
    await bot.close();
    await identity.close();
    await teams.close();
  });

  async function checklist(audience: string): Promise<number> {
    const user = newStarter(teams, 'Robin Tab').user;
    const token = identity.entraToken({ tenantId: teams.tenantId, audience, oid: user.aadObjectId, upn: user.upn, name: user.name });
    const res = await fetch(`${bot.baseUrl}/api/me/checklist`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  }

  it('gets 200 for the token Teams SSO gives the tab (audience api://{host}/{SSO app})', async () => {
    expect(await checklist(`api://${HOST}/${SSO_APP_ID}`)).toBe(200);
  });

  it('gets 401 for a token addressed to the managed identity', async () => {
    expect(await checklist(MSI_CLIENT_ID)).toBe(401);
  });
});
