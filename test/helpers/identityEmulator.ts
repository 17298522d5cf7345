/**
 * A loopback OpenID provider for testing real JWT validation: the Bot Framework channel's metadata + JWKS (what
 * Teams' tokens to the bot are checked against) and Entra ID v2.0 metadata (for tab SSO / API bearer tokens).
 * Tokens are RS256-signed with node:crypto (JWS compact form), so the helper needs no ESM-only library and
 * benchmarks can reuse it; jose and jsonwebtoken both verify them.
 *
 * What botframework-connector 4.23.3 checks on a token from the channel (ParameterizedBotFrameworkAuthentication
 * → JwtTokenExtractor → governmentChannelValidation_ValidateIdentity), i.e. what a valid channel token needs:
 * - `Authorization: Bearer <jwt>`: exactly two space-separated parts, scheme "Bearer" (case-sensitive).
 * - the token must NOT look like a skill token (`ver` claim + `aud` + `appid`/`azp` different from `aud`), nor an
 *   emulator token (`iss` one of the Bot Framework emulator/AAD issuers), or it takes another, stricter path.
 * - `iss` equal to the ToBotFromChannelTokenIssuer setting (public cloud: "https://api.botframework.com"); a token
 *   with any other issuer gets no identity → 401.
 * - header `kid` naming an RSA key (with `n` and `e`) in the JWKS found through `jwks_uri` of the
 *   ToBotFromChannelOpenIdMetadataUrl document; keys are cached per metadata URL (refreshed after 24 h, or after
 *   1 h when a kid is missing), so each test emulator needs its own URL, which its port gives.
 * - signature by that key with RS256, RS384 or RS512 (jsonwebtoken.verify with algorithms [RS256, RS384, RS512];
 *   `alg: none` and HS* are refused).
 * - `exp` in the future and `nbf` in the past, with a 5 minute clock tolerance.
 * - if the key has `endorsements`, they must include the activity's channelId ("msteams"), plus any
 *   requiredEndorsements of the AuthenticationConfiguration.
 * - `aud` equal to the bot's MicrosoftAppId (credentialsFactory.isValidAppId).
 * - `serviceurl` claim exactly equal to activity.serviceUrl (when the activity has one).
 * Claims Teams really sends besides: `nbf`, `exp`, `iat`, `iss`, `aud`, `serviceurl`.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { RecordLog, startLoopbackServer, type JsonObject, type ParsedRequest, type Reply } from './loopback';

/** Which key signs: 'good' is in the JWKS (endorsed for msteams), 'unendorsed' is in it endorsed for another
 * channel only, 'other' is not published at all. */
export type KeyName = 'good' | 'unendorsed' | 'other';

/** Signing algorithms the helper can produce; 'none' makes an unsigned token. */
export type SigningAlg = 'RS256' | 'RS384' | 'RS512' | 'none';

/** Options for `signToken`. */
export interface SignOptions {
  /** Seconds from now until `exp` (default 3600); negative gives an expired token. */
  expiresIn?: number;
  key?: KeyName;
  alg?: SigningAlg;
  /** Overrides the header kid (e.g. a kid that is not in the JWKS). */
  kid?: string;
}

/** Options for `startIdentityEmulator`. */
export interface IdentityEmulatorOptions {
  /** Issuer of channel tokens (default "https://api.botframework.com", the public cloud value). */
  issuer?: string;
  /** Endorsements on the good key (default ['msteams']). */
  endorsements?: string[];
}

/** A running identity emulator. */
export interface IdentityEmulator {
  url: string;
  /** Bot Framework style metadata URL: use as ToBotFromChannelOpenIdMetadataUrl. */
  openIdMetadataUrl: string;
  /** Same document at the standard path. */
  wellKnownUrl: string;
  jwksUri: string;
  /** Use as ToBotFromChannelTokenIssuer. */
  issuer: string;
  /** Every metadata/JWKS request (to observe caching). */
  readonly requests: readonly { path: string; time: number }[];
  /** Signs `claims` (iss defaults to `issuer`; iat/nbf/exp are added) as a compact JWS. */
  signToken(claims: JsonObject, options?: SignOptions): string;
  /** A valid Bot Framework channel token for this bot and serviceUrl. */
  channelToken(appId: string, serviceUrl: string, options?: SignOptions): string;
  /** A token with `alg: none` and no signature. */
  unsignedToken(claims: JsonObject): string;
  /** A token that expired an hour ago (beyond the 5 minute tolerance). */
  expiredToken(claims: JsonObject): string;
  /** A token signed by a key the JWKS does not publish. */
  unknownKeyToken(claims: JsonObject): string;
  /** Entra v2.0 issuer for a tenant ("https://login.microsoftonline.com/{tid}/v2.0"). */
  entraIssuer(tenantId: string): string;
  /** Entra v2.0 metadata URL for a tenant, served here. */
  entraMetadataUrl(tenantId: string): string;
  /** An Entra v2.0 access token as Teams SSO gives a tab (aud = api://…/clientId, scp access_as_user). */
  entraToken(claims: { tenantId: string; audience: string; oid: string; upn: string; name?: string } & JsonObject, options?: SignOptions): string;
  close(): Promise<void>;
}

interface KeyEntry {
  kid: string;
  privateKey: KeyObject;
  jwk: JsonObject;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function makeKey(kid: string, endorsements: string[] | undefined): KeyEntry {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ format: 'jwk' });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const jwk: JsonObject = {
    kty: 'RSA',
    use: 'sig',
    kid,
    // x5t is the SHA-1 thumbprint of the certificate in the real metadata; a thumbprint of the key stands in.
    x5t: createHash('sha1').update(der).digest('base64url'),
    n: String(pub.n),
    e: String(pub.e),
  };
  if (endorsements) jwk['endorsements'] = endorsements;
  return { kid, privateKey, jwk };
}

const HASH: Record<Exclude<SigningAlg, 'none'>, string> = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };

/** Starts the identity emulator on 127.0.0.1 with a random port (key generation takes ~100 ms). */
export async function startIdentityEmulator(options: IdentityEmulatorOptions = {}): Promise<IdentityEmulator> {
  const issuer = options.issuer ?? 'https://api.botframework.com';
  const keys: Record<KeyName, KeyEntry> = {
    good: makeKey('emu-good-key', options.endorsements ?? ['msteams']),
    unendorsed: makeKey('emu-unendorsed-key', ['webchat']),
    other: makeKey('emu-unpublished-key', ['msteams']),
  };
  const log = new RecordLog<{ path: string; time: number }>();
  let url = '';

  const jwks = (): JsonObject => ({ keys: [keys.good.jwk, keys.unendorsed.jwk] });
  const botFrameworkMetadata = (): JsonObject => ({
    issuer,
    authorization_endpoint: 'https://invalid.botframework.com',
    jwks_uri: `${url}/v1/.well-known/keys`,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  });
  const entraIssuer = (tid: string): string => `https://login.microsoftonline.com/${tid}/v2.0`;
  const entraMetadata = (tid: string): JsonObject => ({
    issuer: entraIssuer(tid),
    authorization_endpoint: `${url}/${tid}/oauth2/v2.0/authorize`,
    token_endpoint: `${url}/${tid}/oauth2/v2.0/token`,
    jwks_uri: `${url}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'oid', 'preferred_username', 'tid', 'ver'],
    tenant_region_scope: 'EU',
  });

  const handle = async (req: ParsedRequest): Promise<Reply> => {
    log.push({ path: req.path, time: Date.now() });
    if (req.method !== 'GET') return { status: 405, body: { error: 'method not allowed' } };
    if (req.path === '/v1/.well-known/openidconfiguration' || req.path === '/.well-known/openid-configuration') {
      return { status: 200, body: botFrameworkMetadata() };
    }
    if (req.path === '/v1/.well-known/keys' || req.path === '/discovery/v2.0/keys') return { status: 200, body: jwks() };
    const entra = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(req.path);
    if (entra?.[1]) return { status: 200, body: entraMetadata(entra[1]) };
    return { status: 404, body: { error: 'not found' } };
  };
  const server = await startLoopbackServer(handle);
  url = server.url;

  const signToken = (claims: JsonObject, opts: SignOptions = {}): string => {
    const alg = opts.alg ?? 'RS256';
    const key = keys[opts.key ?? 'good'];
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = opts.expiresIn ?? 3600;
    const payload: JsonObject = {
      iss: issuer,
      iat: Math.min(now, now + expiresIn - 60),
      nbf: Math.min(now, now + expiresIn - 60),
      exp: now + expiresIn,
      ...claims,
    };
    const header: JsonObject = alg === 'none' ? { alg: 'none', typ: 'JWT' } : { alg, typ: 'JWT', kid: opts.kid ?? key.kid, x5t: key.jwk['x5t'] ?? '' };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    if (alg === 'none') return `${signingInput}.`;
    const signature = sign(HASH[alg], Buffer.from(signingInput), key.privateKey);
    return `${signingInput}.${b64url(signature)}`;
  };

  return {
    url,
    openIdMetadataUrl: `${url}/v1/.well-known/openidconfiguration`,
    wellKnownUrl: `${url}/.well-known/openid-configuration`,
    jwksUri: `${url}/v1/.well-known/keys`,
    issuer,
    get requests() {
      return log.items;
    },
    signToken,
    channelToken: (appId, serviceUrl, opts) => signToken({ aud: appId, serviceurl: serviceUrl }, opts),
    unsignedToken: (claims) => signToken(claims, { alg: 'none' }),
    expiredToken: (claims) => signToken(claims, { expiresIn: -3600 }),
    unknownKeyToken: (claims) => signToken(claims, { key: 'other' }),
    entraIssuer,
    entraMetadataUrl: (tid) => `${url}/${tid}/v2.0/.well-known/openid-configuration`,
    entraToken: ({ tenantId, audience, oid, upn, name, ...rest }, opts) =>
      signToken(
        {
          iss: entraIssuer(tenantId),
          aud: audience,
          tid: tenantId,
          oid,
          sub: oid,
          preferred_username: upn,
          name: name ?? upn,
          scp: 'access_as_user',
          ver: '2.0',
          ...rest,
        },
        opts,
      ),
    close: () => server.close(),
  };
}
