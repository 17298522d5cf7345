/**
 * The first look at a Bot Framework bearer token, before botbuilder sees it.
 *
 * Teams only ever sends channel tokens: RS256-family JWTs issued by the Bot Framework channel
 * (`iss` = https://api.botframework.com in the public cloud) for this bot (`aud` = its app id). botframework-connector
 * 4.23.3 decodes every token it is given without verifying it, and keeps state for the unverified ones
 * (`EmulatorValidation.isTokenFromEmulator` grows a module-global issuer list by four strings for each new `tid`
 * claim, and never trims it), and sends tokens of other shapes down its emulator and skill paths. So the shape is
 * checked here first, with size caps, and only a token that could be a channel token is handed on. botbuilder's full
 * validation (signature, keys, endorsements, lifetime, audience, service URL) still runs on what remains.
 *
 * `precheckChannelToken` verifies no signature: passing it proves nothing, failing it is always a refusal.
 * `ChannelTokenVerifier` then checks the signature, so that botbuilder only ever sees genuine channel tokens.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

/** Why a token was refused before validation; logged as a code, never with token text. */
export type ChannelTokenRefusal =
  | 'missing'
  | 'malformed'
  | 'tooLarge'
  | 'algorithm'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'notYetValid'
  | 'tenant'
  | 'skillShape'
  | 'serviceUrl'
  | 'signature'
  | 'endorsement'
  | 'keysUnavailable';

/** What a channel token must look like for this bot. */
export interface ChannelTokenRules {
  /** The bot's Microsoft App Id: the only audience. */
  readonly appId: string;
  /** The channel issuer (ToBotFromChannelTokenIssuer; public cloud https://api.botframework.com). */
  readonly issuer: string;
  /**
   * Tenants a `tid` claim may name (lower case). Channel tokens need none; any other value would grow
   * botframework-connector's issuer list, so only a fixed, small set is let through.
   */
  readonly tenantIds: ReadonlySet<string>;
  /** Seconds of clock skew allowed on exp/nbf (botbuilder allows 300). */
  readonly clockToleranceSeconds: number;
}

/** Longest Authorization header looked at (channel tokens are about 1.5 KB). */
export const MAX_AUTHORIZATION_BYTES = 8192;
/** Longest decoded JWT header and payload. */
const MAX_HEADER_JSON = 1024;
const MAX_PAYLOAD_JSON = 6144;
/** Algorithms botframework-connector accepts for channel tokens (AuthenticationConstants.AllowedSigningAlgorithms). */
const ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

type Json = Record<string, unknown>;

function decodeSegment(segment: string, maxJson: number): Json | undefined {
  if (!BASE64URL.test(segment) || segment.length > Math.ceil((maxJson * 4) / 3) + 4) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * Checks the shape of "Authorization: Bearer <jwt>" against the rules: undefined when it may be a channel token
 * (botbuilder then validates it fully), otherwise the reason to refuse it.
 */
export function precheckChannelToken(
  authorization: string | undefined,
  serviceUrl: string | undefined,
  rules: ChannelTokenRules,
  nowSeconds: number,
): ChannelTokenRefusal | undefined {
  if (authorization === undefined || authorization === '') return 'missing';
  if (authorization.length > MAX_AUTHORIZATION_BYTES) return 'tooLarge';
  // botframework-connector needs exactly "Bearer <token>" (two parts, case-sensitive scheme).
  const parts = authorization.split(' ');
  if (parts.length !== 2 || parts[0] !== 'Bearer' || parts[1] === undefined) return 'malformed';
  const segments = parts[1].split('.');
  if (segments.length !== 3 || segments[2] === undefined || !BASE64URL.test(segments[2])) return 'malformed';
  const header = decodeSegment(segments[0] ?? '', MAX_HEADER_JSON);
  const payload = decodeSegment(segments[1] ?? '', MAX_PAYLOAD_JSON);
  if (!header || !payload) return 'malformed';
  if (typeof header.alg !== 'string' || !ALGORITHMS.has(header.alg)) return 'algorithm';
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256) return 'malformed';
  if (payload.iss !== rules.issuer) return 'issuer';
  if (payload.aud !== rules.appId) return 'audience';
  // A skill token (a version claim and an appid/azp other than aud) takes botbuilder's skill path: never from Teams.
  const caller = payload.appid ?? payload.azp;
  if (payload.ver !== undefined && caller !== undefined && caller !== payload.aud) return 'skillShape';
  if (payload.tid !== undefined && (typeof payload.tid !== 'string' || !rules.tenantIds.has(payload.tid.toLowerCase()))) return 'tenant';
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return 'malformed';
  if (payload.exp + rules.clockToleranceSeconds < nowSeconds) return 'expired';
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf - rules.clockToleranceSeconds > nowSeconds)) return 'notYetValid';
  // botbuilder requires the serviceurl claim to equal the activity's serviceUrl; checking it here is free.
  if (serviceUrl !== undefined && payload.serviceurl !== serviceUrl) return 'serviceUrl';
  return undefined;
}

/**
 * At most `perMinute` log lines a minute for refused requests, so a flood of bad tokens cannot flood the logs;
 * the next line that gets through says how many were held back. Counters only: no memory grows with the flood.
 */
export class RefusalLogLimiter {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns undefined to stay quiet, or the number of lines held back since the last one that was written. */
  admit(): number | undefined {
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perMinute) {
      this.suppressed++;
      return undefined;
    }
    this.inWindow++;
    const held = this.suppressed;
    this.suppressed = 0;
    return held;
  }
}

/** The public cloud's channel issuer (botframework-connector AuthenticationConstants.ToBotFromChannelTokenIssuer). */
const PUBLIC_CHANNEL_ISSUER = 'https://api.botframework.com';
/** The botframework.com tenant, already in botframework-connector's own issuer list (so it adds nothing). */
const BOT_FRAMEWORK_TENANT = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

/** The channel token rules for a configuration; undefined when authentication is off (no MicrosoftAppId). */
export function channelTokenRules(config: { readonly appId: string; readonly botAuth: Readonly<Record<string, string>> }): ChannelTokenRules | undefined {
  if (config.appId === '') return undefined;
  const tenant = config.botAuth.MicrosoftAppTenantId?.toLowerCase();
  return {
    appId: config.appId,
    issuer: config.botAuth.ToBotFromChannelTokenIssuer ?? PUBLIC_CHANNEL_ISSUER,
    tenantIds: new Set([BOT_FRAMEWORK_TENANT, ...(tenant ? [tenant] : [])]),
    clockToleranceSeconds: 300,
  };
}

/** Where the public cloud publishes the channel's signing keys (botframework-connector's default). */
const PUBLIC_CHANNEL_METADATA_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration';
/** How long the metadata document is trusted before it is read again (botframework-connector: 24 h). */
const METADATA_TTL_MS = 24 * 60 * 60 * 1000;
/** After a failed metadata read, the next try waits this long, so a flood of tokens cannot become a flood of fetches. */
const METADATA_RETRY_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_METADATA_BYTES = 64 * 1024;

const metadataSchema = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) }).loose();
const jwksSchema = z
  .object({
    keys: z
      .array(z.object({ kid: z.string().max(256).optional(), kty: z.string(), endorsements: z.array(z.string().max(64)).max(64).optional() }).loose())
      .max(100),
  })
  .loose();
type Jwks = z.infer<typeof jwksSchema>;

/** Fetches JSON with a timeout and a size cap, no redirects. */
async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  const text = await res.text();
  if (!res.ok || text.length > MAX_METADATA_BYTES) throw new Error('unavailable');
  return JSON.parse(text) as unknown;
}

/**
 * Verifies a channel token's signature, lifetime and key endorsements with jose against the keys the channel
 * publishes, before botbuilder sees the token. botframework-connector would print the key and the error to
 * stderr for every junk signature or unendorsed key, and answer some of them with a 500; here each is one
 * refusal code. Keys are fetched lazily and re-read daily; a kid not among them refetches at most every 30 s, so a
 * flood of tokens cannot become a flood of fetches.
 */
export class ChannelTokenVerifier {
  private jwks: { json: Jwks; keys: JWTVerifyGetKey } | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly rules: ChannelTokenRules,
    private readonly metadataUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when "Authorization: Bearer <jwt>" may be handed to botbuilder; otherwise why it is refused. */
  async check(authorization: string | undefined, serviceUrl: string | undefined, channelId: string | undefined): Promise<ChannelTokenRefusal | undefined> {
    const refusal = precheckChannelToken(authorization, serviceUrl, this.rules, Math.floor(this.now() / 1000));
    if (refusal !== undefined || authorization === undefined) return refusal ?? 'missing';
    const token = authorization.slice('Bearer '.length);
    const kid = (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string }).kid;
    let key = this.jwks?.json.keys.find((k) => k.kid === kid);
    if (!key || this.now() - this.fetchedAt > METADATA_TTL_MS) {
      await this.refresh();
      key = this.jwks?.json.keys.find((k) => k.kid === kid);
    }
    if (!this.jwks) return 'keysUnavailable';
    if (!key) return 'signature';
    // Bot Framework keys name the channels they may sign for (botframework-connector EndorsementsValidator).
    if (key.endorsements && key.endorsements.length > 0 && (channelId === undefined || !key.endorsements.includes(channelId))) return 'endorsement';
    try {
      await jwtVerify(token, this.jwks.keys, {
        issuer: this.rules.issuer,
        audience: this.rules.appId,
        algorithms: [...ALGORITHMS],
        clockTolerance: this.rules.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      return undefined;
    } catch {
      return 'signature';
    }
  }

  /** Reads the metadata and the keys again, at most once every 30 s however often it is asked. */
  private async refresh(): Promise<void> {
    if (this.now() - this.fetchedAt < METADATA_RETRY_MS) return;
    this.loading ??= (async () => {
      this.fetchedAt = this.now();
      try {
        const metadata = metadataSchema.parse(await fetchJson(this.metadataUrl));
        const json = jwksSchema.parse(await fetchJson(metadata.jwks_uri));
        this.jwks = { json, keys: createLocalJWKSet(json as unknown as JSONWebKeySet) };
      } catch {
        // Keep the keys we had; the next refresh is 30 s away.
      }
    })().finally(() => (this.loading = undefined));
    await this.loading;
  }
}

/** The URL of the channel's OpenID metadata for a configuration (botbuilder's ToBotFromChannelOpenIdMetadataUrl). */
export function channelMetadataUrl(botAuth: Readonly<Record<string, string>>): string {
  return botAuth.ToBotFromChannelOpenIdMetadataUrl ?? PUBLIC_CHANNEL_METADATA_URL;
}
