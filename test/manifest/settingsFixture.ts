/** A complete, realistic set of packaging settings, as a deployment's .env would hold them. */
export function deploymentEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    TEAMS_APP_ID: '6f1c2a57-1d2e-4c1b-9a53-0f4f3b7f2e10',
    MICROSOFT_APP_ID: 'a3d6b0f2-58c4-4e27-8f19-2b6c0c9e7d41',
    PUBLIC_HOSTNAME: 'welcome.trust.example.nhs.uk',
    DEVELOPER_NAME: 'Example NHS Trust IT',
    DEVELOPER_WEBSITE_URL: 'https://www.trust.example.nhs.uk/it-support',
    PRIVACY_URL: 'https://www.trust.example.nhs.uk/privacy',
    TERMS_URL: 'https://www.trust.example.nhs.uk/terms',
    ...overrides,
  };
}

/** The version the script would read from package.json. */
export const DEFAULT_VERSION = '0.1.0';
