import { z } from 'zod';

/**
 * The values of the Teams app package that differ per deployment, parsed from an env-like record.
 *
 * Choice: a real package needs real ids, so a missing setting stops the build with one line per
 * missing setting. A dry run uses `sample: true` (`npm run package -- --sample`), which fills the
 * gaps with placeholders that can never be mistaken for a deployment (nil GUIDs, a `.invalid` host)
 * and marks the package as a sample.
 */

/** Every setting the package reads, what it is for, and its default (undefined = required). */
export const MANIFEST_SETTINGS = Object.freeze({
  TEAMS_APP_ID: { about: 'the Teams app id (the manifest id): a GUID you generate once and keep for every version', default: undefined },
  MICROSOFT_APP_ID: {
    about: 'the bot id: the Application (client) id of the Azure Bot registration (MicrosoftAppId is read when this is not set)',
    default: undefined,
  },
  SSO_APP_ID: { about: 'the Entra app whose API the tabs ask a token for (webApplicationInfo.id)', default: 'MICROSOFT_APP_ID' },
  PUBLIC_HOSTNAME: { about: 'the host name the bot and tabs are served from, without https://, e.g. welcome.example.nhs.uk', default: undefined },
  APP_NAME_SHORT: { about: 'the app name shown in Teams, at most 30 characters', default: 'NHSmail Welcome' },
  APP_NAME_FULL: { about: 'the full app name, at most 100 characters', default: '<APP_NAME_SHORT>: your first steps with NHSmail' },
  DEVELOPER_NAME: { about: 'the organisation that publishes this app in your tenant, at most 32 characters', default: undefined },
  DEVELOPER_WEBSITE_URL: { about: 'https address of the publisher’s support page', default: undefined },
  PRIVACY_URL: { about: 'https address of the privacy notice for this app', default: undefined },
  TERMS_URL: { about: 'https address of the terms of use for this app', default: undefined },
  APP_VERSION: { about: 'the app package version, MAJOR.MINOR.PATCH; raise it for every upload', default: 'version in package.json' },
  ACCENT_COLOR: { about: 'background colour behind the icon in Teams, #RRGGBB', default: '#0B6E4F' },
  OFFICIAL_NHS_ENGLAND_APP: {
    about: 'true only if NHS England itself publishes this app; otherwise the description says it is not an official NHS England product',
    default: 'false',
  },
} as const);

/** The name of one packaging setting. */
export type ManifestSettingName = keyof typeof MANIFEST_SETTINGS;

/** Validated packaging settings, ready for `buildManifest`. */
export interface ManifestSettings {
  readonly teamsAppId: string;
  readonly botId: string;
  readonly ssoAppId: string;
  /** Lower-case host name, no scheme, port or path. */
  readonly hostname: string;
  readonly nameShort: string;
  readonly nameFull: string;
  readonly developerName: string;
  readonly developerWebsiteUrl: string;
  readonly privacyUrl: string;
  readonly termsUrl: string;
  readonly version: string;
  readonly accentColor: string;
  readonly officialNhsEnglandApp: boolean;
  /** True when placeholders filled missing settings: such a package must never be uploaded. */
  readonly sample: boolean;
}

/** One fault in the packaging settings, naming the setting. */
export interface ManifestSettingIssue {
  readonly setting: string;
  readonly message: string;
}

/** The packaging settings are missing or wrong; the message has one line per faulty setting. */
export class ManifestSettingsError extends Error {
  override name = 'ManifestSettingsError';
  constructor(readonly issues: readonly ManifestSettingIssue[]) {
    super(issues.map((issue) => issue.message).join('\n'));
  }
}

/** True when `error` is a ManifestSettingsError. */
export function isManifestSettingsError(error: unknown): error is ManifestSettingsError {
  return error instanceof ManifestSettingsError;
}

/** Placeholder values for a dry run: obviously fake, and reserved so that they can never resolve. */
export const SAMPLE_SETTINGS: Readonly<Record<ManifestSettingName, string | undefined>> = Object.freeze({
  TEAMS_APP_ID: '00000000-0000-0000-0000-000000000000',
  MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
  SSO_APP_ID: undefined,
  PUBLIC_HOSTNAME: 'welcome.example.invalid',
  APP_NAME_SHORT: undefined,
  APP_NAME_FULL: undefined,
  DEVELOPER_NAME: 'Sample: not for upload',
  DEVELOPER_WEBSITE_URL: 'https://welcome.example.invalid/support',
  PRIVACY_URL: 'https://welcome.example.invalid/privacy',
  TERMS_URL: 'https://welcome.example.invalid/terms',
  APP_VERSION: undefined,
  ACCENT_COLOR: undefined,
  OFFICIAL_NHS_ENGLAND_APP: undefined,
});

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const PLACEHOLDER_GUID = /^00000000-0000-0000-0000-/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Teams' schema defines app versions as three plain numbers (its "semver" definition).
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function guid(sample: boolean) {
  return z
    .string()
    .trim()
    .regex(GUID, 'must be a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301')
    .refine((value) => sample || !PLACEHOLDER_GUID.test(value), 'is a placeholder GUID; use the real id')
    .transform((value) => value.toLowerCase());
}

/** Explains what is wrong with a host name, or returns undefined when it is a plain host name. */
function hostnameFault(value: string, sample: boolean): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    return 'must be the host name only, without a scheme: write welcome.example.nhs.uk, not https://welcome.example.nhs.uk';
  if (value.includes('/')) return 'must be the host name only, without a path';
  if (value.includes(':')) return 'must be the host name only, without a port (Teams reaches the bot and tabs on https port 443)';
  if (value.includes('*')) return 'must be one host name, not a wildcard';
  const labels = value.toLowerCase().split('.');
  if (labels.length < 2 || value.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
    return 'must be a fully qualified host name such as welcome.example.nhs.uk';
  }
  if (!sample && labels[labels.length - 1] === 'invalid') return 'is the sample placeholder host; use the real host name';
  return undefined;
}

function schemaFor(sample: boolean, defaultVersion: string) {
  const httpsUrl = z
    .string()
    .trim()
    .pipe(z.url({ protocol: /^https$/, hostname: z.regexes.domain, error: 'must be an https:// address' }))
    .pipe(z.string().max(2048, 'must be at most 2048 characters'));
  return z.object({
    TEAMS_APP_ID: guid(sample),
    MICROSOFT_APP_ID: guid(sample),
    SSO_APP_ID: guid(sample).optional(),
    PUBLIC_HOSTNAME: z
      .string()
      .trim()
      .superRefine((value, ctx) => {
        const fault = hostnameFault(value, sample);
        if (fault !== undefined) ctx.addIssue({ code: 'custom', message: fault });
      })
      .transform((value) => value.toLowerCase()),
    APP_NAME_SHORT: z.string().trim().min(1).max(30, 'must be at most 30 characters (Teams cuts longer names)').default('NHSmail Welcome'),
    APP_NAME_FULL: z.string().trim().min(1).max(100, 'must be at most 100 characters').optional(),
    DEVELOPER_NAME: z.string().trim().min(1).max(32, 'must be at most 32 characters (the manifest schema’s limit)'),
    DEVELOPER_WEBSITE_URL: httpsUrl,
    PRIVACY_URL: httpsUrl,
    TERMS_URL: httpsUrl,
    APP_VERSION: z.string().trim().regex(VERSION, 'must be MAJOR.MINOR.PATCH, three numbers such as 1.4.0').default(defaultVersion),
    ACCENT_COLOR: z
      .string()
      .trim()
      .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #RRGGBB')
      .default('#0B6E4F'),
    OFFICIAL_NHS_ENGLAND_APP: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((value) => value === 'true'),
  });
}

/** Options for parseManifestSettings. */
export interface ParseManifestSettingsOptions {
  /** The version used when APP_VERSION is not set (the script passes package.json's). */
  readonly defaultVersion: string;
  /** Fill missing settings with SAMPLE_SETTINGS for a dry run. */
  readonly sample?: boolean;
}

/** Parses packaging settings from an env-like record, or throws a ManifestSettingsError naming each faulty setting. */
export function parseManifestSettings(env: Readonly<Record<string, string | undefined>>, options: ParseManifestSettingsOptions): ManifestSettings {
  const sample = options.sample === true;
  // Empty values in a .env file mean "not set", as for the bot's own settings.
  const given: Record<string, string> = {};
  for (const name of Object.keys(MANIFEST_SETTINGS)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') given[name] = value;
  }
  // One .env can serve the bot and the package: the bot reads its id as MicrosoftAppId.
  let botIdSetting = 'MICROSOFT_APP_ID';
  const botbuilderAppId = env.MicrosoftAppId;
  if (given.MICROSOFT_APP_ID === undefined && botbuilderAppId !== undefined && botbuilderAppId.trim() !== '') {
    given.MICROSOFT_APP_ID = botbuilderAppId;
    botIdSetting = 'MicrosoftAppId';
  }
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(sample ? SAMPLE_SETTINGS : {})) {
    if (value !== undefined) input[name] = value;
  }
  Object.assign(input, given);

  const issues: ManifestSettingIssue[] = [];
  for (const [name, spec] of Object.entries(MANIFEST_SETTINGS)) {
    if (spec.default === undefined && input[name] === undefined) {
      const alias = name === 'MICROSOFT_APP_ID' ? ' (or MicrosoftAppId)' : '';
      issues.push({
        setting: name,
        message: `Missing setting ${name}${alias}: ${spec.about}. Set it in .env, or run with --sample for a dry run.`,
      });
    }
  }
  const parsed = schemaFor(sample, options.defaultVersion).safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'settings');
      if (issues.some((known) => known.setting === key)) continue;
      const setting = key === 'MICROSOFT_APP_ID' ? botIdSetting : key;
      issues.push({ setting, message: `Invalid setting ${setting}: ${issue.message}` });
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ManifestSettingsError(issues);

  const s = parsed.data;
  return Object.freeze({
    teamsAppId: s.TEAMS_APP_ID,
    botId: s.MICROSOFT_APP_ID,
    ssoAppId: s.SSO_APP_ID ?? s.MICROSOFT_APP_ID,
    hostname: s.PUBLIC_HOSTNAME,
    nameShort: s.APP_NAME_SHORT,
    nameFull: s.APP_NAME_FULL ?? `${s.APP_NAME_SHORT}: your first steps with NHSmail`,
    developerName: s.DEVELOPER_NAME,
    developerWebsiteUrl: s.DEVELOPER_WEBSITE_URL,
    privacyUrl: s.PRIVACY_URL,
    termsUrl: s.TERMS_URL,
    version: s.APP_VERSION,
    accentColor: s.ACCENT_COLOR.toUpperCase(),
    officialNhsEnglandApp: s.OFFICIAL_NHS_ENGLAND_APP,
    sample,
  });
}
