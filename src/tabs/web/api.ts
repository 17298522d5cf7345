/** Calls the bot's JSON API with the Teams SSO token as a bearer token. */
import { ssoToken } from './teams';

export interface ApiResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Teams could not give the page a token (no consent, not signed in, SSO not set up). */
export class SignInError extends Error {
  override name = 'SignInError';
}

/** Sends one request; never throws for an HTTP status (the caller decides), only for no token or no network. */
export async function callApi(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  let token: string;
  try {
    token = await ssoToken();
  } catch (error) {
    throw new SignInError(error instanceof Error ? error.message : String(error));
  }
  const res = await fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    credentials: 'omit',
    cache: 'no-store',
  });
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = {};
  }
  return { status: res.status, body: json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {} };
}

/** Downloads a file from the API with the SSO token; resolves the HTTP status and, on 200, the file. */
export async function fetchFile(path: string, headers: Record<string, string> = {}): Promise<{ status: number; file?: Blob }> {
  let token: string;
  try {
    token = await ssoToken();
  } catch (error) {
    throw new SignInError(error instanceof Error ? error.message : String(error));
  }
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}`, ...headers }, credentials: 'omit', cache: 'no-store' });
  return res.status === 200 ? { status: 200, file: await res.blob() } : { status: res.status };
}
