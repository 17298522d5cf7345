import { execFile } from 'node:child_process';
import { AuthenticationConfiguration, BotFrameworkAuthenticationFactory, PasswordServiceClientCredentialFactory } from 'botframework-connector';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';

const APP_ID = '00000000-0000-0000-0000-00000000b07a';
const TENANT = '11111111-1111-1111-1111-111111111111';
const SERVICE_URL = 'http://127.0.0.1:1/teams/';

async function withIdentity(run: (id: IdentityEmulator) => Promise<void>): Promise<void> {
  const identity = await startIdentityEmulator();
  try {
    await run(identity);
  } finally {
    await identity.close();
  }
}

/** Verifies a token with jose (ESM-only, so in a child Node process) against the emulator's JWKS URL. */
function joseVerify(jwksUri: string, token: string, issuer: string, audience: string): Promise<string> {
  const script = `
    import { createRemoteJWKSet, jwtVerify } from 'jose';
    const [jwks, token, issuer, audience] = process.argv.slice(1);
    try {
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwks)), { issuer, audience, algorithms: ['RS256'] });
      console.log('ok ' + payload.aud);
    } catch (e) { console.log('fail ' + e.code); }`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, jwksUri, token, issuer, audience],
      { cwd: process.cwd(), timeout: 10_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout.trim())),
    );
  });
}

/** The real botframework-connector 4.23.3 channel validation, pointed at the emulator. */
function botAuth(identity: IdentityEmulator) {
  return BotFrameworkAuthenticationFactory.create(
    '',
    true,
    'https://login.microsoftonline.com/',
    'https://api.botframework.com',
    identity.issuer,
    'https://api.botframework.com',
    identity.openIdMetadataUrl,
    identity.openIdMetadataUrl,
    'urn:botframework:azure',
    new PasswordServiceClientCredentialFactory(APP_ID, 'secret', TENANT),
    new AuthenticationConfiguration(),
  );
}

const activity = { type: 'message', channelId: 'msteams', serviceUrl: SERVICE_URL, text: 'hi' };

describe('identity emulator', () => {
  beforeEach(() => {
    // JwtTokenExtractor prints every refused token with console.error; the assertions say what matters.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('serves OpenID metadata whose jwks_uri publishes RS256 keys endorsed for msteams', async () => {
    await withIdentity(async (identity) => {
      const meta = (await (await fetch(identity.wellKnownUrl)).json()) as { issuer: string; jwks_uri: string; id_token_signing_alg_values_supported: string[] };
      expect(meta).toMatchObject({ issuer: 'https://api.botframework.com', id_token_signing_alg_values_supported: ['RS256'] });
      const jwks = (await (await fetch(meta.jwks_uri)).json()) as { keys: Array<{ kty: string; endorsements?: string[] }> };
      expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', endorsements: ['msteams'] });
    });
  });

  it('signs tokens that jose verifies against its JWKS, and expired or unknown-key tokens that it refuses', async () => {
    await withIdentity(async (identity) => {
      const claims = { aud: APP_ID, serviceurl: SERVICE_URL };
      const results = await Promise.all([
        joseVerify(identity.jwksUri, identity.signToken(claims), identity.issuer, APP_ID),
        joseVerify(identity.jwksUri, identity.expiredToken(claims), identity.issuer, APP_ID),
        joseVerify(identity.jwksUri, identity.unknownKeyToken(claims), identity.issuer, APP_ID),
        joseVerify(identity.jwksUri, identity.unsignedToken(claims), identity.issuer, APP_ID),
      ]);
      expect(results[0]).toBe(`ok ${APP_ID}`);
      expect(results[1]).toBe('fail ERR_JWT_EXPIRED');
      expect(results[2]).toBe('fail ERR_JWKS_NO_MATCHING_KEY');
      expect(results[3]).toMatch(/^fail /);
    });
  });

  it('makes channel tokens that botframework-connector accepts, and rejects the bad ones as it should', async () => {
    await withIdentity(async (identity) => {
      const auth = botAuth(identity);
      const ok = await auth.authenticateRequest(activity as never, `Bearer ${identity.channelToken(APP_ID, SERVICE_URL)}`);
      expect(ok.claimsIdentity.isAuthenticated).toBe(true);

      const refused = async (header: string): Promise<boolean> =>
        auth.authenticateRequest(activity as never, header).then(
          () => false,
          () => true,
        );
      expect(await refused(`Bearer ${identity.expiredToken({ aud: APP_ID, serviceurl: SERVICE_URL })}`)).toBe(true);
      expect(await refused(`Bearer ${identity.unknownKeyToken({ aud: APP_ID, serviceurl: SERVICE_URL })}`)).toBe(true);
      expect(await refused(`Bearer ${identity.unsignedToken({ aud: APP_ID, serviceurl: SERVICE_URL })}`)).toBe(true);
      expect(await refused(`Bearer ${identity.channelToken('another-app', SERVICE_URL)}`)).toBe(true);
      expect(await refused(`Bearer ${identity.channelToken(APP_ID, 'https://elsewhere.example/')}`)).toBe(true);
      expect(await refused(`Bearer ${identity.channelToken(APP_ID, SERVICE_URL, { key: 'unendorsed' })}`)).toBe(true);
      expect(await refused(`Bearer ${identity.signToken({ aud: APP_ID, serviceurl: SERVICE_URL, iss: 'https://evil.example' })}`)).toBe(true);
      expect(await refused('')).toBe(true);
    });
  });

  it('serves Entra v2.0 metadata per tenant and signs SSO-style tokens with tid, oid and scp', async () => {
    await withIdentity(async (identity) => {
      const meta = (await (await fetch(identity.entraMetadataUrl(TENANT))).json()) as { issuer: string; jwks_uri: string };
      expect(meta.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
      const token = identity.entraToken({ tenantId: TENANT, audience: `api://localhost/${APP_ID}`, oid: 'oid-1', upn: 'megan.bowen@nhs.net' });
      expect(await joseVerify(meta.jwks_uri, token, meta.issuer, `api://localhost/${APP_ID}`)).toBe(`ok api://localhost/${APP_ID}`);
    });
  });
});
