import { z } from 'zod';

/** Reads a boolean-ish environment value ("true"/"1"/"yes" and their opposites). */
const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const httpsUrl = z.url({ protocol: /^https$/ });

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
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),

  MicrosoftAppId: z.string().default(''),
  MicrosoftAppPassword: z.string().default(''),
  MicrosoftAppTenantId: z.string().default(''),
  MicrosoftAppType: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant'),

  SERVICE_NAME: z.string().min(1).max(40).optional(),
  LINK_OVERRIDES: linkOverrides.optional(),
  STATE_WRITE_RETRIES: z.coerce.number().int().min(1).max(50).default(12),
  DEV_ALLOW_ANONYMOUS: booleanish.default(false),
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
  /** Passed as is to ConfigurationBotFrameworkAuthentication (botbuilder's own key names). */
  readonly botAuth: Readonly<Record<string, string>>;
  readonly appId: string;
}

/** A configuration fault, phrased as one line naming the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
    throw new ConfigError(
      'Invalid setting MicrosoftAppId: required when NODE_ENV=production (without it every request is accepted unauthenticated)',
    );
  }
  if (s.MicrosoftAppId !== '' && s.MicrosoftAppType !== 'UserAssignedMSI' && s.MicrosoftAppPassword === '') {
    throw new ConfigError(`Invalid setting MicrosoftAppPassword: required with MicrosoftAppType=${s.MicrosoftAppType}`);
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
  return Object.freeze({
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
    botAuth: Object.freeze(botAuth),
    appId: s.MicrosoftAppId,
  });
}
