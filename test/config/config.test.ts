import { ConfigError, loadConfig } from '../../src/config/config';

const defaults = { contentDir: 'cards' };

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, defaults);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('configuration accepted');
}

describe('configuration', () => {
  it('runs on the embedded defaults with no settings at all', () => {
    const config = loadConfig({}, defaults);
    expect(config).toMatchObject({ port: 3978, host: '127.0.0.1', dataDir: './data', logLevel: 'info', appId: '' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the setting and the fault in one line', () => {
    expect(configError({ PORT: 'eighty' })).toMatch(/^Invalid setting PORT: /);
    expect(configError({ LOG_LEVEL: 'loud' })).toMatch(/^Invalid setting LOG_LEVEL: /);
    expect(configError({ LINK_OVERRIDES: '{not json' })).toBe('Invalid setting LINK_OVERRIDES: is not valid JSON (expected {"linkId": "https://…"})');
    expect(configError({ LINK_OVERRIDES: '{"serviceStatus":"http://x"}' })).toMatch(/^Invalid setting LINK_OVERRIDES\.serviceStatus: /);
  });

  it('refuses plain http for token, key, Graph and Teams endpoints in production, and allows it for local tools', () => {
    const prod = { NODE_ENV: 'production', MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret', MicrosoftAppTenantId: 'tenant' };
    for (const name of ['ENTRA_JWKS_URL', 'GRAPH_LOGIN_URL', 'GRAPH_BASE_URL', 'TEAMS_SERVICE_URL']) {
      expect(configError({ ...prod, [name]: 'http://127.0.0.1:9999/x' })).toBe(`Invalid setting ${name}: must be https when NODE_ENV=production`);
      expect(() => loadConfig({ [name]: 'http://127.0.0.1:9999/x' }, defaults)).not.toThrow();
    }
  });

  it("says when Graph would share the bot's own secret, and not when its secret is its own", () => {
    const bot = { MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret', MicrosoftAppTenantId: 'tenant' };
    expect(loadConfig(bot, defaults).graphSharesBotSecret).toBe(true);
    expect(loadConfig({ ...bot, GRAPH_CLIENT_SECRET: 'graph-secret' }, defaults).graphSharesBotSecret).toBe(false);
    expect(loadConfig({ ...bot, GRAPH_ENABLED: 'false' }, defaults).graphSharesBotSecret).toBe(false);
  });

  it('refuses to start in production without a Microsoft app id (anonymous mode accepts anyone)', () => {
    expect(configError({ NODE_ENV: 'production' })).toMatch(/^Invalid setting MicrosoftAppId: required when NODE_ENV=production/);
  });

  it('asks for the secret and tenant that a SingleTenant app needs', () => {
    expect(configError({ MicrosoftAppId: 'a1b2', MicrosoftAppTenantId: 't' })).toMatch(/^Invalid setting MicrosoftAppPassword/);
    expect(configError({ MicrosoftAppId: 'a1b2', MicrosoftAppPassword: 'p' })).toMatch(/^Invalid setting MicrosoftAppTenantId/);
    expect(configError({ MicrosoftAppId: 'a1b2', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't', MicrosoftAppPassword: 'p' })).toBe(
      'Invalid setting MicrosoftAppPassword: must be empty with MicrosoftAppType=UserAssignedMSI (the managed identity signs in)',
    );
    const msi = loadConfig(
      { NODE_ENV: 'production', MicrosoftAppId: 'a1b2', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't', API_AUDIENCES: 'sso-app' },
      defaults,
    );
    expect(msi.botAuth.MicrosoftAppType).toBe('UserAssignedMSI');
    expect(msi.host).toBe('0.0.0.0');
  });

  it('reaches Teams and Graph at their public addresses by default, each as one clean base URL', () => {
    // A starter the bot has never talked to is reached at the Teams service URL: `…/teams//v3/conversations` is not
    // Teams' address. Given or defaulted, the URL is the same.
    const defaulted = loadConfig({}, defaults);
    expect(defaulted.teams.serviceUrl).toBe('https://smba.trafficmanager.net/teams/');
    expect(loadConfig({ TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/teams/' }, defaults).teams.serviceUrl).toBe(defaulted.teams.serviceUrl);
    expect(loadConfig({ TEAMS_SERVICE_URL: 'https://smba.trafficmanager.net/teams' }, defaults).teams.serviceUrl).toBe(defaulted.teams.serviceUrl);
    const bot = { MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret', MicrosoftAppTenantId: 'tenant' };
    expect(loadConfig(bot, defaults).graph).toMatchObject({ loginUrl: 'https://login.microsoftonline.com', graphUrl: 'https://graph.microsoft.com/v1.0' });
  });

  it('treats empty values from a .env file as unset', () => {
    expect(loadConfig({ PORT: '', SERVICE_NAME: '' }, defaults)).toMatchObject({ port: 3978, serviceName: undefined });
  });
});

describe('the Teams app ids', () => {
  it('installs through Graph by the catalogue id, never by the manifest id', () => {
    expect(loadConfig({ TEAMS_APP_ID: 'manifest-guid' }, defaults).teams.appCatalogId).toBeUndefined();
    expect(loadConfig({ TEAMS_APP_ID: 'manifest-guid', TEAMS_CATALOG_APP_ID: 'catalogue-guid' }, defaults).teams.appCatalogId).toBe('catalogue-guid');
  });
});

describe("the blob store's account", () => {
  const ACCOUNT = 'https://nhswelcome.blob.core.windows.net';
  const MSI = '3f0c8a52-9d41-4b6e-8a7f-1c2d3e4f5a6b';

  it('takes a connection string, or the account URL and a managed identity, but not both or neither', () => {
    expect(loadConfig({ STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }, defaults).storage).toMatchObject({
      kind: 'blob',
      access: 'UseDevelopmentStorage=true',
    });
    expect(loadConfig({ STORAGE: 'blob', AZURE_STORAGE_ACCOUNT_URL: ACCOUNT }, defaults).storage).toMatchObject({
      access: { accountUrl: ACCOUNT, managedIdentityClientId: undefined },
    });
    expect(configError({ STORAGE: 'blob' })).toMatch(/AZURE_STORAGE_ACCOUNT_URL: with STORAGE=blob give the account URL/);
    expect(configError({ STORAGE: 'blob', AZURE_STORAGE_ACCOUNT_URL: ACCOUNT, AZURE_STORAGE_CONNECTION_STRING: 'x' })).toMatch(/not both/);
    expect(configError({ STORAGE: 'blob', AZURE_STORAGE_ACCOUNT_URL: 'http://nhswelcome.blob.core.windows.net' })).toMatch(/https URL/);
    expect(configError({ STORAGE: 'blob', AZURE_STORAGE_ACCOUNT_URL: ACCOUNT, AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID: 'my-identity' })).toMatch(
      /client id \(a GUID\)/,
    );
  });

  it("reaches storage as the bot's own user-assigned identity unless another is named", () => {
    const bot = {
      NODE_ENV: 'production',
      MicrosoftAppId: MSI,
      MicrosoftAppType: 'UserAssignedMSI',
      MicrosoftAppTenantId: 't',
      API_AUDIENCES: 'sso-app',
      STORAGE: 'blob',
      AZURE_STORAGE_ACCOUNT_URL: ACCOUNT,
    };
    expect(loadConfig(bot, defaults).storage).toMatchObject({ access: { accountUrl: ACCOUNT, managedIdentityClientId: MSI } });
    const other = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    expect(loadConfig({ ...bot, AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID: other }, defaults).storage).toMatchObject({
      access: { accountUrl: ACCOUNT, managedIdentityClientId: other },
    });
  });
});

describe('the blob account URL', () => {
  it("takes the endpoint of any cloud, with or without a trailing slash, and an emulator's path-style URL", () => {
    for (const url of [
      'https://nhswelcome.blob.core.windows.net',
      'https://nhswelcome.blob.core.windows.net/',
      'HTTPS://nhswelcome.blob.core.usgovcloudapi.net',
      'https://127.0.0.1:10000/devstoreaccount1',
    ]) {
      expect(loadConfig({ STORAGE: 'blob', AZURE_STORAGE_ACCOUNT_URL: url }, defaults).storage).toMatchObject({ kind: 'blob' });
    }
  });

  it('refuses a container, path or query in it, and an identity without it', () => {
    for (const url of ['https://nhswelcome.blob.core.windows.net/welcome-bot', 'https://nhswelcome.blob.core.windows.net/?sv=2024&sig=x']) {
      expect(configError({ STORAGE: 'blob', AZURE_STORAGE_ACCOUNT_URL: url })).toMatch(/blob endpoint alone/);
    }
    expect(
      configError({
        STORAGE: 'blob',
        AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
        AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID: '3f0c8a52-9d41-4b6e-8a7f-1c2d3e4f5a6b',
      }),
    ).toMatch(/only used with AZURE_STORAGE_ACCOUNT_URL/);
  });
});
