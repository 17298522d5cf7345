import { z } from 'zod';
import { isTimeZone, parseHours, parseWeekdays } from '../reminders/workingHours';
import type { BlobAccess } from '../state/blobStorage';

/** Reads a boolean-ish environment value ("true"/"1"/"yes" and their opposites). */
const booleanish = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const httpsUrl = z.url({ protocol: /^https$/ });
/**
 * http is allowed only so tests can point at emulators on loopback; production values are https. Its default must be
 * given with `.prefault` (parsed like a setting), not `.default`: zod 4 returns a default as it is, past the transform,
 * so a default with a trailing slash kept it (and the Teams service URL became `…/teams//`).
 */
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/$/, ''));
/**
 * A blob service endpoint: host only (https://<account>.blob.core.windows.net, or a sovereign cloud's). An IP or
 * localhost host (an emulator, path-style) may carry the account name as its one path segment.
 */
function accountUrlShape(value: string): boolean {
  const url = new URL(value);
  if (url.search !== '' || url.hash !== '') return false;
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const pathStyle = /^(\d{1,3}\.){3}\d{1,3}$|^\[.*\]$|^localhost$/.test(url.hostname);
  return segments.length === 0 || (pathStyle && segments.length === 1);
}
const commaList = z
  .string()
  .transform((v) =>
    v
      .split(/[,\s]+/)
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  )
  .default([]);

const linkOverrides = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON (expected {"linkId": "https://…"})' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), httpsUrl));

/** Every setting the bot reads, with its default; documented one by one in .env.example. */
export const settingsSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  CONTENT_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),

  MicrosoftAppId: z.string().default(''),
  MicrosoftAppPassword: z.string().default(''),
  MicrosoftAppTenantId: z.string().default(''),
  MicrosoftAppType: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant'),

  SERVICE_NAME: z.string().min(1).max(40).optional(),
  LINK_OVERRIDES: linkOverrides.optional(),
  STATE_WRITE_RETRIES: z.coerce.number().int().min(1).max(50).default(12),
  DEV_ALLOW_ANONYMOUS: booleanish.default(false),

  USER_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(20),
  RETENTION_DAYS_AFTER_COMPLETION: z.coerce.number().int().min(1).max(3650).default(90),
  RETENTION_DAYS_INACTIVE: z.coerce.number().int().min(1).max(3650).default(365),
  UNANSWERED_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_INTERVAL_HOURS: z.coerce
    .number()
    .min(0)
    .max(7 * 24)
    .default(0),

  STORAGE: z.enum(['file', 'blob', 'memory']).default('file'),
  AZURE_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
  AZURE_STORAGE_ACCOUNT_URL: z
    .url({ protocol: /^https$/, error: 'must be an https URL, e.g. https://<account>.blob.core.windows.net' })
    .refine(accountUrlShape, "must be the account's blob endpoint alone, e.g. https://<account>.blob.core.windows.net (no container, path or query)")
    .optional(),
  AZURE_STORAGE_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an https URL, e.g. https://<account>.queue.core.windows.net' }).optional(),
  AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID: z.string().uuid('must be the client id (a GUID) of a user-assigned managed identity').optional(),
  AZURE_STORAGE_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/, 'must be a valid blob container name')
    .default('welcome-bot'),

  LA_OBJECT_IDS: commaList,
  LA_UPNS: commaList,
  LA_GROUP_ID: z.string().min(1).optional(),
  LA_GROUP_CACHE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  ALLOWED_EMAIL_DOMAINS: commaList.default(['nhs.net']),
  PUSH_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),

  TEAMS_SERVICE_URL: httpUrl.prefault('https://smba.trafficmanager.net/teams/'),
  ALLOWED_SERVICE_URL_HOSTS: commaList,
  TEAMS_APP_ID: z.string().min(1).optional(),
  TEAMS_CATALOG_APP_ID: z.string().min(1).optional(),
  GRAPH_ENABLED: booleanish.optional(),
  GRAPH_TENANT_ID: z.string().min(1).optional(),
  GRAPH_CLIENT_ID: z.string().min(1).optional(),
  GRAPH_CLIENT_SECRET: z.string().min(1).optional(),
  GRAPH_INSTALL_APP: booleanish.default(true),
  GRAPH_LOGIN_URL: httpUrl.prefault('https://login.microsoftonline.com'),
  GRAPH_BASE_URL: httpUrl.prefault('https://graph.microsoft.com/v1.0'),
  WELCOME_NEW_ACCOUNTS_WITHIN_DAYS: z.coerce.number().int().min(1).max(3650).optional(),

  DELIVERY_TENANT_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(30),
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  DELIVERY_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  DELIVERY_POLL_SECONDS: z.coerce.number().min(0.05).max(600).default(5),
  DELIVERY_BACKOFF_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  DELIVERY_WINDOW_MARGIN_MS: z.coerce.number().int().min(0).max(5000).default(50),

  REMINDER_AFTER_DAYS: commaList.default(['3', '7']),
  REMINDER_MAX: z.coerce.number().int().min(0).max(20).default(2),
  REMINDER_HOURS: z.string().default('09:00-17:00'),
  REMINDER_WEEKDAYS: commaList.default(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']),
  REMINDER_TIMEZONE: z.string().default('Europe/London'),
  REMINDER_INTERVAL_MINUTES: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(0),

  PUBLIC_HOSTNAME: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name without scheme or path')
    .optional(),
  ENTRA_TENANT_ID: z.string().min(1).optional(),
  API_AUDIENCES: commaList,
  ENTRA_ISSUERS: commaList,
  ENTRA_JWKS_URL: httpUrl.optional(),

  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .min(1)
    .max(1024)
    .regex(/InstrumentationKey=/i, 'must be an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…)')
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  OTEL_TRACES_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1),
  READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2000),
});

export type Settings = z.infer<typeof settingsSchema>;

/** The validated, frozen configuration handed to every module that needs it. */
export interface Config {
  readonly env: Settings['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly contentDir: string;
  readonly logLevel: Settings['LOG_LEVEL'];
  readonly maxBodyBytes: number;
  readonly shutdownGraceMs: number;
  readonly stateWriteRetries: number;
  readonly serviceName: string | undefined;
  readonly linkOverrides: Readonly<Record<string, string>>;
  readonly userMessagesPerMinute: number;
  readonly retention: {
    readonly afterCompletionDays: number;
    readonly inactiveDays: number;
    readonly unansweredDays: number;
    /** In-process sweep interval (0 = off; use npm run retention from a scheduler instead). */
    readonly intervalMs: number;
  };
  readonly storage:
    { readonly kind: 'file' | 'memory' } | { readonly kind: 'blob'; readonly access: BlobAccess; readonly container: string; readonly queueUrl?: string };
  readonly la: {
    readonly objectIds: readonly string[];
    readonly upns: readonly string[];
    readonly groupId: string | undefined;
    readonly groupCacheMs: number;
    readonly allowedDomains: readonly string[];
    readonly maxBatch: number;
  };
  readonly teams: {
    readonly serviceUrl: string;
    readonly appCatalogId: string | undefined;
    /** The manifest id (TEAMS_APP_ID), for deep links to a tab when the app has no catalogue id. */
    readonly manifestId: string | undefined;
    /** Hosts an activity's serviceUrl may name; the bot never calls anywhere else. '*.' matches subdomains. */
    readonly allowedServiceHosts: readonly string[];
  };
  /** Microsoft Graph with the bot's own credentials; undefined when not configured. */
  readonly graph:
    | {
        readonly tenantId: string;
        readonly clientId: string;
        readonly clientSecret: string;
        readonly loginUrl: string;
        readonly graphUrl: string;
        readonly installApp: boolean;
      }
    | undefined;
  /** Graph signs in with the bot's own secret (GRAPH_CLIENT_SECRET unset): said at start, so it is a choice. */
  readonly graphSharesBotSecret: boolean;
  /** Install welcomes: in rollout mode, accounts older than this many days get an introduction, not the journey. */
  readonly welcome: { readonly newAccountsWithinDays: number | undefined };
  readonly delivery: {
    readonly tenantPerSecond: number;
    readonly concurrency: number;
    readonly maxAttempts: number;
    /** How long one instance's claim on a delivery holds (another instance takes over after it). */
    readonly leaseMs: number;
    /** How often the store is checked for deliveries queued elsewhere or released by a crash. */
    readonly pollMs: number;
    /** First retry backoff for 412/5xx (doubles, with jitter). */
    readonly backoffMs: number;
    /** Safety margin added to each Teams rate window. */
    readonly windowMarginMs: number;
  };
  /** Nudges for starters with must-do actions outstanding. */
  readonly reminders: {
    /** Days after the journey started for each reminder, ascending. */
    readonly afterDays: readonly number[];
    /** Most reminders one starter gets (0 = off). */
    readonly max: number;
    readonly workingHours: { readonly timeZone: string; readonly startMinute: number; readonly endMinute: number; readonly weekdays: readonly number[] };
    /** In-process run interval (0 = off; use npm run remind from a scheduler instead). */
    readonly intervalMs: number;
  };
  /** Entra bearer tokens for the admin API and tabs; undefined when no tenant is configured. */
  readonly entra:
    { readonly tenantId: string; readonly audiences: readonly string[]; readonly issuers: readonly string[]; readonly jwksUrl: string } | undefined;
  /** Where telemetry is exported; with neither set, nothing is. */
  readonly telemetry: {
    readonly azureMonitorConnectionString: string | undefined;
    readonly otlpEndpoint: string | undefined;
    readonly metricIntervalMs: number;
    /** Share of turns (with their storage and delivery spans) traced; metrics always count everything. */
    readonly traceSampleRatio: number;
  };
  /** How long /readyz waits for each dependency before calling it down. */
  readonly readyTimeoutMs: number;
  /** Passed as is to ConfigurationBotFrameworkAuthentication (botbuilder's own key names). */
  readonly botAuth: Readonly<Record<string, string>>;
  readonly appId: string;
}

/** A configuration fault, phrased as one line naming the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Hosts Teams' service URLs use in the public and government clouds. */
const TEAMS_SERVICE_HOSTS = ['smba.trafficmanager.net', '*.botframework.com', '*.teams.microsoft.com', '*.botframework.azure.us', '*.teams.microsoft.us'];

/** botbuilder's parameterized auth keys, passed through for sovereign clouds and for end-to-end auth tests. */
const PASS_THROUGH_AUTH_KEYS = [
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'ToBotFromChannelTokenIssuer',
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'OAuthUrl',
  'CallerId',
  'ValidateAuthority',
] as const;

/** Parses an environment record into a Config, or throws a ConfigError naming the first bad setting. */
export function loadConfig(env: Record<string, string | undefined>, defaults: { contentDir: string }): Config {
  // Empty strings in .env files mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = settingsSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'configuration';
    throw new ConfigError(`Invalid setting ${name}: ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  if (s.NODE_ENV === 'production' && s.MicrosoftAppId === '' && !s.DEV_ALLOW_ANONYMOUS) {
    throw new ConfigError('Invalid setting MicrosoftAppId: required when NODE_ENV=production (without it every request is accepted unauthenticated)');
  }
  if (s.MicrosoftAppId !== '' && s.MicrosoftAppType !== 'UserAssignedMSI' && s.MicrosoftAppPassword === '') {
    throw new ConfigError(`Invalid setting MicrosoftAppPassword: required with MicrosoftAppType=${s.MicrosoftAppType}`);
  }
  if (s.MicrosoftAppType === 'UserAssignedMSI' && s.MicrosoftAppPassword !== '') {
    // botbuilder would stop with an assertion (and a stack trace) deep inside its credentials factory.
    throw new ConfigError('Invalid setting MicrosoftAppPassword: must be empty with MicrosoftAppType=UserAssignedMSI (the managed identity signs in)');
  }
  if (s.MicrosoftAppId !== '' && s.MicrosoftAppType !== 'MultiTenant' && s.MicrosoftAppTenantId === '') {
    throw new ConfigError(`Invalid setting MicrosoftAppTenantId: required with MicrosoftAppType=${s.MicrosoftAppType}`);
  }
  const botAuth: Record<string, string> = {
    MicrosoftAppId: s.MicrosoftAppId,
    MicrosoftAppPassword: s.MicrosoftAppPassword,
    MicrosoftAppTenantId: s.MicrosoftAppTenantId,
    // botbuilder asserts an app id for SingleTenant; with no app id (local anonymous mode) the type is moot.
    MicrosoftAppType: s.MicrosoftAppId === '' ? 'MultiTenant' : s.MicrosoftAppType,
  };
  for (const key of PASS_THROUGH_AUTH_KEYS) {
    const value = cleaned[key];
    if (value !== undefined) botAuth[key] = value;
  }
  if (s.STORAGE === 'blob' && s.AZURE_STORAGE_CONNECTION_STRING === undefined && s.AZURE_STORAGE_ACCOUNT_URL === undefined) {
    throw new ConfigError(
      'Invalid setting AZURE_STORAGE_ACCOUNT_URL: with STORAGE=blob give the account URL (managed identity) or AZURE_STORAGE_CONNECTION_STRING',
    );
  }
  if (s.STORAGE === 'blob' && s.AZURE_STORAGE_CONNECTION_STRING !== undefined && s.AZURE_STORAGE_ACCOUNT_URL !== undefined) {
    throw new ConfigError('Invalid setting AZURE_STORAGE_ACCOUNT_URL: give it or AZURE_STORAGE_CONNECTION_STRING, not both');
  }
  if (s.AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID !== undefined && s.AZURE_STORAGE_ACCOUNT_URL === undefined) {
    throw new ConfigError('Invalid setting AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID: only used with AZURE_STORAGE_ACCOUNT_URL');
  }
  // A user-assigned identity the bot already runs as (MicrosoftAppType=UserAssignedMSI) reaches storage too, unless another is named.
  const storageIdentity =
    s.AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID ?? (s.MicrosoftAppType === 'UserAssignedMSI' && s.MicrosoftAppId !== '' ? s.MicrosoftAppId : undefined);
  const blobAccess: BlobAccess =
    s.AZURE_STORAGE_ACCOUNT_URL !== undefined
      ? { accountUrl: s.AZURE_STORAGE_ACCOUNT_URL, managedIdentityClientId: storageIdentity }
      : (s.AZURE_STORAGE_CONNECTION_STRING ?? '');
  // Graph uses the bot's own app registration unless a separate one is given.
  const graphTenant = s.GRAPH_TENANT_ID ?? s.MicrosoftAppTenantId;
  const graphClient = s.GRAPH_CLIENT_ID ?? s.MicrosoftAppId;
  const graphSecret = s.GRAPH_CLIENT_SECRET ?? s.MicrosoftAppPassword;
  const graphPossible = graphTenant !== '' && graphClient !== '' && graphSecret !== '';
  const graphOn = (s.GRAPH_ENABLED ?? graphPossible) && graphPossible;
  if (s.LA_UPNS.length > 0 && !graphOn) {
    throw new ConfigError(
      "Invalid setting LA_UPNS: needs Microsoft Graph to look up each UPN's object id (LAs are matched by object id, never by a UPN claim); configure Graph or use LA_OBJECT_IDS",
    );
  }
  if (s.NODE_ENV === 'production') {
    // Keys and tokens come from these: plain http would let anyone on the path forge an LA or read a token.
    for (const [name, value] of [
      ['ENTRA_JWKS_URL', s.ENTRA_JWKS_URL],
      ['GRAPH_LOGIN_URL', s.GRAPH_LOGIN_URL],
      ['GRAPH_BASE_URL', s.GRAPH_BASE_URL],
      ['TEAMS_SERVICE_URL', s.TEAMS_SERVICE_URL],
    ] as const) {
      if (value !== undefined && !value.startsWith('https://')) throw new ConfigError(`Invalid setting ${name}: must be https when NODE_ENV=production`);
    }
  }
  if (s.GRAPH_ENABLED === true && !graphPossible) {
    throw new ConfigError('Invalid setting GRAPH_ENABLED: needs a tenant, client id and secret (GRAPH_* or the Microsoft* settings)');
  }
  const afterDays = s.REMINDER_AFTER_DAYS.map(Number);
  if (afterDays.some((d) => !Number.isFinite(d) || d <= 0) || afterDays.some((d, i) => i > 0 && d <= (afterDays[i - 1] as number))) {
    throw new ConfigError('Invalid setting REMINDER_AFTER_DAYS: expected ascending numbers of days, e.g. 3,7');
  }
  const reminderHours = parseHours(s.REMINDER_HOURS);
  if (!reminderHours) throw new ConfigError('Invalid setting REMINDER_HOURS: expected HH:MM-HH:MM, e.g. 09:00-17:00');
  const reminderWeekdays = parseWeekdays(s.REMINDER_WEEKDAYS);
  if (!reminderWeekdays) throw new ConfigError('Invalid setting REMINDER_WEEKDAYS: expected day names, e.g. Mon,Tue,Wed,Thu,Fri');
  if (!isTimeZone(s.REMINDER_TIMEZONE)) throw new ConfigError('Invalid setting REMINDER_TIMEZONE: not a time zone Intl knows, e.g. Europe/London');
  const entraTenant = s.ENTRA_TENANT_ID ?? (s.MicrosoftAppTenantId !== '' ? s.MicrosoftAppTenantId : undefined);
  // Tab SSO tokens carry the SSO app's id. That is the bot's own registration, except with a managed identity, which
  // cannot expose an API: then the tabs' app is the separate registration Graph uses (docs/teams-app.md §3).
  const ssoAppId = s.MicrosoftAppType === 'UserAssignedMSI' && s.MicrosoftAppId !== '' ? s.GRAPH_CLIENT_ID : s.MicrosoftAppId;
  if (s.API_AUDIENCES.length === 0 && ssoAppId === undefined) {
    throw new ConfigError(
      "Invalid setting API_AUDIENCES: required with MicrosoftAppType=UserAssignedMSI unless GRAPH_CLIENT_ID is the tabs' SSO app (tab tokens carry the SSO app's id, never the managed identity's)",
    );
  }
  const audiences =
    s.API_AUDIENCES.length > 0
      ? s.API_AUDIENCES
      : [ssoAppId ?? '', ...(s.PUBLIC_HOSTNAME && ssoAppId ? [`api://${s.PUBLIC_HOSTNAME}/${ssoAppId}`] : [])].filter((a) => a !== '');
  return Object.freeze({
    userMessagesPerMinute: s.USER_MESSAGES_PER_MINUTE,
    retention: {
      afterCompletionDays: s.RETENTION_DAYS_AFTER_COMPLETION,
      inactiveDays: s.RETENTION_DAYS_INACTIVE,
      unansweredDays: s.UNANSWERED_RETENTION_DAYS,
      intervalMs: Math.round(s.RETENTION_INTERVAL_HOURS * 3_600_000),
    },
    storage:
      s.STORAGE === 'blob'
        ? {
            kind: 'blob' as const,
            access: blobAccess,
            container: s.AZURE_STORAGE_CONTAINER,
            ...(s.AZURE_STORAGE_QUEUE_URL !== undefined ? { queueUrl: s.AZURE_STORAGE_QUEUE_URL } : {}),
          }
        : { kind: s.STORAGE },
    la: {
      objectIds: s.LA_OBJECT_IDS,
      upns: s.LA_UPNS,
      groupId: s.LA_GROUP_ID,
      groupCacheMs: s.LA_GROUP_CACHE_SECONDS * 1000,
      allowedDomains: s.ALLOWED_EMAIL_DOMAINS.map((d) => d.toLowerCase().replace(/^@/, '')),
      maxBatch: s.PUSH_MAX_BATCH,
    },
    teams: {
      serviceUrl: `${s.TEAMS_SERVICE_URL}/`,
      // Graph installs by the id the organisation's catalogue gave the uploaded app, not the manifest id.
      appCatalogId: s.TEAMS_CATALOG_APP_ID,
      manifestId: s.TEAMS_APP_ID,
      allowedServiceHosts:
        s.ALLOWED_SERVICE_URL_HOSTS.length > 0
          ? s.ALLOWED_SERVICE_URL_HOSTS.map((h) => h.toLowerCase())
          : [
              ...TEAMS_SERVICE_HOSTS,
              new URL(s.TEAMS_SERVICE_URL).hostname.toLowerCase(),
              // Local tools (Agents Playground, emulators) talk from loopback; production does not.
              ...(s.NODE_ENV === 'production' ? [] : ['localhost', '127.0.0.1', '[::1]']),
            ],
    },
    graph: graphOn
      ? {
          tenantId: graphTenant,
          clientId: graphClient,
          clientSecret: graphSecret,
          loginUrl: s.GRAPH_LOGIN_URL,
          graphUrl: s.GRAPH_BASE_URL,
          installApp: s.GRAPH_INSTALL_APP,
        }
      : undefined,
    graphSharesBotSecret: graphOn && s.GRAPH_CLIENT_SECRET === undefined,
    welcome: { newAccountsWithinDays: s.WELCOME_NEW_ACCOUNTS_WITHIN_DAYS },
    delivery: {
      tenantPerSecond: s.DELIVERY_TENANT_PER_SECOND,
      concurrency: s.DELIVERY_CONCURRENCY,
      maxAttempts: s.DELIVERY_MAX_ATTEMPTS,
      leaseMs: s.DELIVERY_LEASE_SECONDS * 1000,
      pollMs: Math.round(s.DELIVERY_POLL_SECONDS * 1000),
      backoffMs: s.DELIVERY_BACKOFF_MS,
      windowMarginMs: s.DELIVERY_WINDOW_MARGIN_MS,
    },
    reminders: {
      afterDays,
      max: s.REMINDER_MAX,
      workingHours: { timeZone: s.REMINDER_TIMEZONE, ...reminderHours, weekdays: reminderWeekdays },
      intervalMs: Math.round(s.REMINDER_INTERVAL_MINUTES * 60_000),
    },
    entra:
      entraTenant !== undefined && audiences.length > 0
        ? {
            tenantId: entraTenant,
            audiences,
            issuers:
              s.ENTRA_ISSUERS.length > 0
                ? s.ENTRA_ISSUERS
                : [`https://login.microsoftonline.com/${entraTenant}/v2.0`, `https://sts.windows.net/${entraTenant}/`],
            jwksUrl: s.ENTRA_JWKS_URL ?? `https://login.microsoftonline.com/${entraTenant}/discovery/v2.0/keys`,
          }
        : undefined,
    env: s.NODE_ENV,
    port: s.PORT,
    host: s.HOST ?? (s.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    dataDir: s.DATA_DIR,
    contentDir: s.CONTENT_DIR ?? defaults.contentDir,
    logLevel: s.LOG_LEVEL,
    maxBodyBytes: s.MAX_BODY_BYTES,
    shutdownGraceMs: s.SHUTDOWN_GRACE_MS,
    stateWriteRetries: s.STATE_WRITE_RETRIES,
    serviceName: s.SERVICE_NAME,
    linkOverrides: Object.freeze({ ...(s.LINK_OVERRIDES ?? {}) }),
    telemetry: {
      azureMonitorConnectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING,
      otlpEndpoint: s.OTEL_EXPORTER_OTLP_ENDPOINT,
      metricIntervalMs: s.OTEL_METRIC_EXPORT_INTERVAL,
      traceSampleRatio: s.OTEL_TRACES_SAMPLE_RATIO,
    },
    readyTimeoutMs: s.READY_TIMEOUT_MS,
    botAuth: Object.freeze(botAuth),
    appId: s.MicrosoftAppId,
  });
}
