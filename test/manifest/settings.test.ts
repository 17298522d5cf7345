import { isManifestSettingsError, parseManifestSettings, type ManifestSettingIssue } from '../../src/manifest/settings';
import { DEFAULT_VERSION, deploymentEnv } from './settingsFixture';

/** The issues parseManifestSettings reports for `env`, or fails the test if it accepts it. */
function issuesFor(env: Record<string, string | undefined>): readonly ManifestSettingIssue[] {
  try {
    parseManifestSettings(env, { defaultVersion: DEFAULT_VERSION });
  } catch (error) {
    if (isManifestSettingsError(error)) return error.issues;
    throw error;
  }
  throw new Error('settings were accepted');
}

describe('packaging settings', () => {
  it('accepts a complete deployment and applies the defaults', () => {
    const settings = parseManifestSettings(deploymentEnv(), { defaultVersion: DEFAULT_VERSION });
    expect(settings).toMatchObject({
      nameShort: 'NHSmail Welcome',
      version: '0.1.0',
      accentColor: '#0B6E4F',
      officialNhsEnglandApp: false,
      ssoAppId: settings.botId,
      sample: false,
    });
  });

  it('names every missing setting, one line each, and points at --sample', () => {
    const issues = issuesFor({});
    expect(issues.map((i) => i.setting)).toEqual([
      'TEAMS_APP_ID',
      'MICROSOFT_APP_ID',
      'PUBLIC_HOSTNAME',
      'DEVELOPER_NAME',
      'DEVELOPER_WEBSITE_URL',
      'PRIVACY_URL',
      'TERMS_URL',
    ]);
    for (const issue of issues) {
      expect(issue.message).toMatch(new RegExp(`^Missing setting ${issue.setting}\\b.*--sample`));
      expect(issue.message).not.toContain('\n');
    }
  });

  it('treats an empty value in .env as not set', () => {
    expect(issuesFor(deploymentEnv({ PRIVACY_URL: '  ' })).map((i) => i.setting)).toEqual(['PRIVACY_URL']);
  });

  it('rejects PUBLIC_HOSTNAME with https:// and says to give the host name only', () => {
    const [issue, ...rest] = issuesFor(deploymentEnv({ PUBLIC_HOSTNAME: 'https://welcome.trust.example.nhs.uk' }));
    expect(rest).toEqual([]);
    expect(issue?.setting).toBe('PUBLIC_HOSTNAME');
    expect(issue?.message).toBe(
      'Invalid setting PUBLIC_HOSTNAME: must be the host name only, without a scheme: write welcome.example.nhs.uk, not https://welcome.example.nhs.uk',
    );
  });

  it.each([
    ['welcome.trust.example.nhs.uk/bot', 'without a path'],
    ['welcome.trust.example.nhs.uk:8443', 'without a port'],
    ['localhost', 'fully qualified host name'],
    ['*.trust.example.nhs.uk', 'not a wildcard'],
    ['welcome.example.invalid', 'sample placeholder host'],
  ])('rejects PUBLIC_HOSTNAME %s (%s)', (host, reason) => {
    const issues = issuesFor(deploymentEnv({ PUBLIC_HOSTNAME: host }));
    expect(issues).toEqual([{ setting: 'PUBLIC_HOSTNAME', message: expect.stringContaining(reason) }]);
  });

  it('lower-cases the host name, since the Application ID URI must be lower case', () => {
    const settings = parseManifestSettings(deploymentEnv({ PUBLIC_HOSTNAME: 'Welcome.Trust.Example.NHS.uk' }), {
      defaultVersion: DEFAULT_VERSION,
    });
    expect(settings.hostname).toBe('welcome.trust.example.nhs.uk');
  });

  it('rejects ids that are not GUIDs, or are the sample placeholders', () => {
    expect(issuesFor(deploymentEnv({ TEAMS_APP_ID: 'my-app' }))).toEqual([{ setting: 'TEAMS_APP_ID', message: expect.stringContaining('must be a GUID') }]);
    expect(issuesFor(deploymentEnv({ MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001' }))).toEqual([
      { setting: 'MICROSOFT_APP_ID', message: expect.stringContaining('placeholder GUID') },
    ]);
  });

  it('reads the bot id from MicrosoftAppId (the bot’s own setting) and names that setting when it is wrong', () => {
    const shared = deploymentEnv({ MICROSOFT_APP_ID: undefined, MicrosoftAppId: 'C0FFEE00-1234-4abc-8def-0123456789AB' });
    expect(parseManifestSettings(shared, { defaultVersion: DEFAULT_VERSION }).botId).toBe('c0ffee00-1234-4abc-8def-0123456789ab');
    expect(issuesFor({ ...shared, MicrosoftAppId: 'not-a-guid' })).toEqual([
      { setting: 'MicrosoftAppId', message: expect.stringMatching(/^Invalid setting MicrosoftAppId: must be a GUID/) },
    ]);
  });

  it('requires https for the developer, privacy and terms addresses', () => {
    const issues = issuesFor(deploymentEnv({ PRIVACY_URL: 'http://www.trust.example.nhs.uk/privacy', TERMS_URL: 'terms.html' }));
    expect(issues).toEqual([
      { setting: 'PRIVACY_URL', message: 'Invalid setting PRIVACY_URL: must be an https:// address' },
      { setting: 'TERMS_URL', message: 'Invalid setting TERMS_URL: must be an https:// address' },
    ]);
  });

  it('keeps names within Teams’ limits', () => {
    expect(issuesFor(deploymentEnv({ APP_NAME_SHORT: 'NHSmail Welcome for new starters' }))).toEqual([
      { setting: 'APP_NAME_SHORT', message: expect.stringContaining('at most 30 characters') },
    ]);
    expect(issuesFor(deploymentEnv({ DEVELOPER_NAME: 'An Extremely Long NHS Foundation Trust Name' }))).toEqual([
      { setting: 'DEVELOPER_NAME', message: expect.stringContaining('at most 32 characters') },
    ]);
  });

  it('requires APP_VERSION as three numbers and a #RRGGBB accent colour', () => {
    expect(issuesFor(deploymentEnv({ APP_VERSION: '1.2.0-beta.1', ACCENT_COLOR: 'green' })).map((i) => i.setting)).toEqual(['APP_VERSION', 'ACCENT_COLOR']);
  });

  it('fills missing settings with obvious placeholders for a --sample dry run, but keeps the ones given', () => {
    const settings = parseManifestSettings({ APP_NAME_SHORT: 'Welcome test' }, { defaultVersion: DEFAULT_VERSION, sample: true });
    expect(settings).toMatchObject({
      sample: true,
      teamsAppId: '00000000-0000-0000-0000-000000000000',
      botId: '00000000-0000-0000-0000-000000000001',
      hostname: 'welcome.example.invalid',
      nameShort: 'Welcome test',
    });
  });
});
