import { MANIFEST_SCHEMA_URL, MANIFEST_VERSION, TABS, buildManifest } from '../../src/manifest/buildManifest';
import { parseManifestSettings } from '../../src/manifest/settings';
import { bundledSchemaVersions, loadManifestSchema, validateAgainst } from './schema';
import { DEFAULT_VERSION, deploymentEnv } from './settingsFixture';

function deploymentManifest(overrides: Record<string, string | undefined> = {}) {
  return buildManifest(parseManifestSettings(deploymentEnv(overrides), { defaultVersion: DEFAULT_VERSION }));
}

describe('the built manifest against the schema shipped in @microsoft/app-manifest', () => {
  const schema = loadManifestSchema(MANIFEST_VERSION);

  it('uses the newest numbered (non-preview) schema the package bundles, and names it in $schema', () => {
    expect(bundledSchemaVersions()[0]).toBe(MANIFEST_VERSION);
    const manifest = deploymentManifest();
    expect(manifest.manifestVersion).toBe(MANIFEST_VERSION);
    expect(manifest.$schema).toBe(MANIFEST_SCHEMA_URL);
  });

  it('reads a draft-04 schema, which is what ajv-draft-04 validates', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  });

  it('validates a deployment manifest with no errors', () => {
    expect(validateAgainst(schema, deploymentManifest())).toEqual([]);
  });

  it('validates the --sample dry-run manifest too', () => {
    const manifest = buildManifest(parseManifestSettings({}, { defaultVersion: DEFAULT_VERSION, sample: true }));
    expect(validateAgainst(schema, manifest)).toEqual([]);
  });

  it('validates with the longest names and an official NHS England description', () => {
    const manifest = deploymentManifest({
      APP_NAME_SHORT: 'x'.repeat(30),
      APP_NAME_FULL: 'y'.repeat(100),
      DEVELOPER_NAME: 'z'.repeat(32),
      OFFICIAL_NHS_ENGLAND_APP: 'true',
    });
    expect(validateAgainst(schema, manifest)).toEqual([]);
  });

  it('would catch a manifest Teams rejects (the validator is not vacuous)', () => {
    const manifest = { ...deploymentManifest(), accentColor: 'green', unknownField: true };
    const errors = validateAgainst(schema, manifest).map((e) => `${e.instancePath} ${e.message ?? ''}`);
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining('/accentColor'), expect.stringContaining('additional properties')]));
  });
});

describe('what the manifest declares', () => {
  it('puts the bot in personal, team and group chat scopes, without files, as a conversational bot', () => {
    const [bot] = deploymentManifest().bots;
    expect(bot?.botId).toBe('a3d6b0f2-58c4-4e27-8f19-2b6c0c9e7d41');
    expect(bot?.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot?.supportsFiles).toBe(false);
    expect(bot?.isNotificationOnly).toBe(false);
  });

  it('pins the chat first, then the two tabs on the public host, then About', () => {
    const tabs = deploymentManifest().staticTabs;
    expect(tabs.map((t) => t.entityId)).toEqual(['conversations', 'checklist', 'starters', 'about']);
    expect(tabs.find((t) => t.entityId === 'checklist')).toMatchObject({
      name: 'My welcome checklist',
      contentUrl: 'https://welcome.trust.example.nhs.uk/tabs/checklist.html',
      scopes: ['personal'],
    });
    expect(tabs.find((t) => t.entityId === 'starters')).toMatchObject({
      name: 'New starters',
      contentUrl: 'https://welcome.trust.example.nhs.uk/tabs/starters.html',
    });
    expect(TABS.map((t) => t.path)).toEqual(['/tabs/checklist.html', '/tabs/starters.html']);
  });

  it('trusts only the public host and asks SSO tokens for api://host/appId', () => {
    const manifest = deploymentManifest();
    expect(manifest.validDomains).toEqual(['welcome.trust.example.nhs.uk']);
    expect(manifest.webApplicationInfo).toEqual({
      id: 'a3d6b0f2-58c4-4e27-8f19-2b6c0c9e7d41',
      resource: 'api://welcome.trust.example.nhs.uk/a3d6b0f2-58c4-4e27-8f19-2b6c0c9e7d41',
    });
  });

  it('uses a separate SSO app registration when SSO_APP_ID is set', () => {
    const manifest = deploymentManifest({ SSO_APP_ID: '0d7f3c1e-9b2a-4f6d-8e5c-1a2b3c4d5e6f' });
    expect(manifest.webApplicationInfo.resource).toBe('api://welcome.trust.example.nhs.uk/0d7f3c1e-9b2a-4f6d-8e5c-1a2b3c4d5e6f');
    expect(manifest.bots[0]?.botId).toBe('a3d6b0f2-58c4-4e27-8f19-2b6c0c9e7d41');
  });

  it('says it is not an official NHS England product unless configured as one', () => {
    expect(deploymentManifest().description.full).toContain('not an official NHS England product; it is provided by Example NHS Trust IT');
    expect(deploymentManifest({ OFFICIAL_NHS_ENGLAND_APP: 'true' }).description.full).not.toContain('NHS England');
  });

  it('carries the developer details, names, version and accent colour from the settings', () => {
    const manifest = deploymentManifest({ APP_VERSION: '2.3.4', ACCENT_COLOR: '#12ab9c' });
    expect(manifest.id).toBe('6f1c2a57-1d2e-4c1b-9a53-0f4f3b7f2e10');
    expect(manifest.version).toBe('2.3.4');
    expect(manifest.accentColor).toBe('#12AB9C');
    expect(manifest.name).toEqual({ short: 'NHSmail Welcome', full: 'NHSmail Welcome: your first steps with NHSmail' });
    expect(manifest.developer).toEqual({
      name: 'Example NHS Trust IT',
      websiteUrl: 'https://www.trust.example.nhs.uk/it-support',
      privacyUrl: 'https://www.trust.example.nhs.uk/privacy',
      termsOfUseUrl: 'https://www.trust.example.nhs.uk/terms',
    });
  });
});
