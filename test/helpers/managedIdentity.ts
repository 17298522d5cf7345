/**
 * Loopback stand-ins for what a managed identity needs: a self-signed certificate for an HTTPS endpoint on
 * 127.0.0.1 (made with Debian's openssl), and the token endpoint Azure App Service gives a process with a managed
 * identity (IDENTITY_ENDPOINT and IDENTITY_HEADER: GET ?api-version=2019-08-01&resource=…[&client_id=…] with the
 * X-IDENTITY-HEADER secret, answered with {access_token, expires_on, resource, token_type, client_id}).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a key and a self-signed certificate for 127.0.0.1 (valid a day); returns their paths. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export interface TokenRequest {
  readonly resource: string | null;
  readonly clientId: string | null;
  readonly apiVersion: string | null;
  readonly status: number;
}

export interface ManagedIdentityEndpoint {
  /** IDENTITY_ENDPOINT for the process. */
  readonly url: string;
  /** IDENTITY_HEADER for the process. */
  readonly secret: string;
  readonly requests: readonly TokenRequest[];
  close(): Promise<void>;
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Starts the App Service managed identity endpoint; tokens are for `tenantId` and name the identity asked for. */
export async function startManagedIdentityEndpoint(tenantId: string): Promise<ManagedIdentityEndpoint> {
  const secret = randomBytes(16).toString('hex');
  const requests: TokenRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number): void => {
      requests.push({
        resource: url.searchParams.get('resource'),
        clientId: url.searchParams.get('client_id'),
        apiVersion: url.searchParams.get('api-version'),
        status,
      });
    };
    const reply = (status: number, body: unknown): void => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/msi/token') return reply(404, { error: 'not_found' });
    if (req.headers['x-identity-header'] !== secret)
      return reply(400, { error: 'invalid_request', error_description: 'X-IDENTITY-HEADER is missing or wrong' });
    const resource = url.searchParams.get('resource');
    if (!resource) return reply(400, { error: 'invalid_request', error_description: 'resource is required' });
    const now = Math.floor(Date.now() / 1000);
    const clientId = url.searchParams.get('client_id') ?? 'system-assigned-client-id';
    const claims = {
      aud: resource,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: now,
      nbf: now - 60,
      exp: now + 3600,
      oid: randomBytes(8).toString('hex'),
      tid: tenantId,
      appid: clientId,
    };
    // Unsigned in effect: Azurite's "basic" OAuth checks issuer, audience and lifetime, not the signature.
    const token = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.${randomBytes(32).toString('base64url')}`;
    reply(200, { access_token: token, expires_on: String(now + 3600), resource, token_type: 'Bearer', client_id: clientId });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/msi/token`,
    secret,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
