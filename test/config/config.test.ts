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

  it('refuses to start in production without a Microsoft app id (anonymous mode accepts anyone)', () => {
    expect(configError({ NODE_ENV: 'production' })).toMatch(/^Invalid setting MicrosoftAppId: required when NODE_ENV=production/);
  });

  it('asks for the secret and tenant that a SingleTenant app needs', () => {
    expect(configError({ MicrosoftAppId: 'a1b2', MicrosoftAppTenantId: 't' })).toMatch(/^Invalid setting MicrosoftAppPassword/);
    expect(configError({ MicrosoftAppId: 'a1b2', MicrosoftAppPassword: 'p' })).toMatch(/^Invalid setting MicrosoftAppTenantId/);
    expect(configError({ MicrosoftAppId: 'a1b2', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't', MicrosoftAppPassword: 'p' })).toBe(
      'Invalid setting MicrosoftAppPassword: must be empty with MicrosoftAppType=UserAssignedMSI (the managed identity signs in)',
    );
    const msi = loadConfig({ NODE_ENV: 'production', MicrosoftAppId: 'a1b2', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: 't' }, defaults);
    expect(msi.botAuth.MicrosoftAppType).toBe('UserAssignedMSI');
    expect(msi.host).toBe('0.0.0.0');
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
