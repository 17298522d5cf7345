import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseRetryAfter } from '../delivery/retryAfter';

/** Where Graph and the Entra token endpoint are, and the app's client credentials. */
export interface GraphSettings {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** https://login.microsoftonline.com (tests point it at loopback). */
  readonly loginUrl: string;
  /** https://graph.microsoft.com/v1.0 */
  readonly graphUrl: string;
  /** Attempts for a throttled (429) or unavailable (503/504) Graph call. */
  readonly maxAttempts: number;
}

/** A user of the directory, as the bot needs it. */
export interface DirectoryUser {
  readonly id: string;
  readonly displayName: string;
  readonly userPrincipalName: string;
  readonly mail: string | undefined;
}

/** An account's dates from the directory (ISO 8601), as far as Graph gives them. */
export interface AccountDates {
  readonly createdDateTime?: string;
  readonly employeeHireDate?: string;
}

/** The outcome of installing the Teams app for a user. */
export type InstallResult = 'installed' | 'alreadyInstalled' | 'notInCatalog' | 'userCannotUseTeams';

/** A Graph call failed in a way the caller should report. */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`Graph answered ${status} ${code}`);
  }
}

/** Type guard for GraphError. */
export function isGraphError(error: unknown): error is GraphError {
  return error instanceof GraphError;
}

const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().int().positive() });
const userSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  userPrincipalName: z.string().min(1),
  mail: z.string().nullish(),
});
const accountDatesSchema = z.object({ createdDateTime: z.string().max(64).nullish(), employeeHireDate: z.string().max(64).nullish() }).loose();
const errorBody = z.object({ error: z.object({ code: z.string() }).loose() }).loose();

/**
 * The few Microsoft Graph calls the bot makes (application permissions, client credentials):
 * find a user by UPN or mail, install the Teams app for a user, check group membership.
 * Honours 429 Retry-After; no SDK, so tests can point it at an emulator on loopback.
 */
export class GraphClient {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly settings: GraphSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Finds a user by UPN, or by mail when the address is not their UPN; undefined when nobody has it. */
  async findUser(address: string): Promise<DirectoryUser | undefined> {
    const byUpn = await this.request('GET', `/users/${encodeURIComponent(address)}?$select=id,displayName,userPrincipalName,mail`, undefined, [404]);
    if (byUpn.status === 200) return toUser(byUpn.body);
    const filter = `mail eq '${address.replace(/'/g, "''")}'`;
    const byMail = await this.request('GET', `/users?$filter=${encodeURIComponent(filter)}&$select=id,displayName,userPrincipalName,mail`);
    const list = z.object({ value: z.array(z.unknown()) }).safeParse(byMail.body);
    const first = list.success ? list.data.value[0] : undefined;
    return first === undefined ? undefined : toUser(first);
  }

  /**
   * When the account was created and, where HR set it, when the person was hired (User.Read.All). Undefined when
   * the directory has no such user; a date Graph leaves empty or sends malformed is left out.
   */
  async accountDates(userId: string, signal?: AbortSignal): Promise<AccountDates | undefined> {
    const res = await this.request('GET', `/users/${encodeURIComponent(userId)}?$select=createdDateTime,employeeHireDate`, undefined, [404], signal);
    if (res.status === 404) return undefined;
    const parsed = accountDatesSchema.safeParse(res.body);
    if (!parsed.success) return {};
    const date = (value: string | null | undefined): string | undefined => (value && Number.isFinite(Date.parse(value)) ? value : undefined);
    const createdDateTime = date(parsed.data.createdDateTime);
    const employeeHireDate = date(parsed.data.employeeHireDate);
    return { ...(createdDateTime ? { createdDateTime } : {}), ...(employeeHireDate ? { employeeHireDate } : {}) };
  }

  /** Installs the Teams app (by its catalog id) in the user's personal scope. 201 and 409 are both success. */
  async installApp(userId: string, teamsAppId: string): Promise<InstallResult> {
    const res = await this.request(
      'POST',
      `/users/${encodeURIComponent(userId)}/teamwork/installedApps`,
      { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${teamsAppId}` },
      [403, 404, 409],
    );
    switch (res.status) {
      case 409:
        return 'alreadyInstalled';
      case 404:
        return 'notInCatalog';
      case 403:
        return 'userCannotUseTeams';
      default:
        return 'installed';
    }
  }

  /** The subset of groupIds the user is a (transitive) member of. */
  async memberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    const res = await this.request('POST', `/users/${encodeURIComponent(userId)}/checkMemberGroups`, { groupIds }, [404]);
    if (res.status === 404) return [];
    const parsed = z.object({ value: z.array(z.string()) }).safeParse(res.body);
    return parsed.success ? parsed.data.value : [];
  }

  /**
   * One round trip proving Graph answers with the bot's credentials (for /readyz): a token, then a user query that
   * matches nobody (so no one's data is fetched). Retries nothing: a throttled or failing Graph is reported as down.
   */
  async ping(signal: AbortSignal): Promise<void> {
    const token = await this.accessToken(signal);
    const filter = encodeURIComponent("id eq '00000000-0000-0000-0000-000000000000'");
    const res = await fetch(`${this.settings.graphUrl}/users?$filter=${filter}&$select=id`, { signal, headers: { authorization: `Bearer ${token}` } });
    await res.body?.cancel();
    if (!res.ok) throw new GraphError(res.status, 'NotReady');
  }

  private async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.token.expiresAt - 60_000 > this.now()) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.settings.clientId,
      client_secret: this.settings.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    const res = await fetch(`${this.settings.loginUrl}/${encodeURIComponent(this.settings.tenantId)}/oauth2/v2.0/token`, {
      ...(signal ? { signal } : {}),
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const parsed = tokenResponse.safeParse(await res.json().catch(() => undefined));
    if (!res.ok || !parsed.success) throw new GraphError(res.status, 'TokenRequestFailed');
    this.token = { value: parsed.data.access_token, expiresAt: this.now() + parsed.data.expires_in * 1000 };
    return this.token.value;
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    expected: readonly number[] = [],
    signal?: AbortSignal,
  ): Promise<{ status: number; body: unknown }> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const res = await fetch(`${this.settings.graphUrl}${path}`, {
        method,
        ...(signal ? { signal } : {}),
        headers: {
          authorization: `Bearer ${await this.accessToken()}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      const json: unknown = text === '' ? undefined : safeJson(text);
      if (res.ok || expected.includes(res.status)) return { status: res.status, body: json };
      if ((res.status === 429 || res.status === 503 || res.status === 504) && attempt < this.settings.maxAttempts) {
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        await sleep(retryAfter !== undefined && retryAfter > 0 ? retryAfter : 2 ** attempt * 250, undefined, signal ? { signal } : {});
        continue;
      }
      if (res.status === 401) this.token = undefined;
      const code = errorBody.safeParse(json);
      throw new GraphError(res.status, code.success ? code.data.error.code : 'Unknown');
    }
  }
}

function toUser(body: unknown): DirectoryUser {
  const u = userSchema.parse(body);
  return { id: u.id, displayName: u.displayName ?? u.userPrincipalName, userPrincipalName: u.userPrincipalName, mail: u.mail ?? undefined };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
