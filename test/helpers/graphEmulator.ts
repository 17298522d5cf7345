/**
 * A loopback Microsoft Graph v1.0 plus the Entra ID (v2.0) token endpoint, for the parts of Graph the bot
 * uses: user look-up, installing the Teams app for a user, and group membership for Local Administrator checks.
 * Graph calls need a bearer token issued by this emulator's own token endpoint for the Graph resource, as the
 * real Graph refuses tokens for another audience.
 *
 * URLs: token `${loginUrl}/{tenantId}/oauth2/v2.0/token`; Graph `${graphUrl}/users/…` (graphUrl ends in /v1.0).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  bearerToken,
  delay,
  RecordLog,
  startLoopbackServer,
  systemClock,
  type Clock,
  type Json,
  type JsonObject,
  type ParsedRequest,
  type Reply,
} from './loopback';

/** A user of the emulated directory. */
export interface GraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  /** False for someone who has never signed in to Teams: app installs for them get 403 (default true). */
  teamsSignedIn?: boolean;
  /** When the account was made (ISO 8601, e.g. 2019-02-07T21:53:13Z); Graph returns it only when $select-ed. */
  createdDateTime?: string | null;
  /** When HR says the person started (often empty); Graph returns it only when $select-ed. */
  employeeHireDate?: string | null;
}

/** An app registration allowed to use the client credentials grant. */
export interface GraphClient {
  clientId: string;
  clientSecret: string;
}

/** Options for `startGraphEmulator`. */
export interface GraphEmulatorOptions {
  tenantId?: string;
  /** Registered clients; when empty or absent any client id and secret are accepted. */
  clients?: GraphClient[];
  /** teamsAppIds in the tenant's app catalog (install of anything else gets 404). */
  catalogAppIds?: string[];
  /** Require a Graph bearer token on /v1.0 calls (default true). */
  requireAuth?: boolean;
  /** Token lifetime in seconds (default 3599, as Entra answers). */
  tokenLifetimeSeconds?: number;
  clock?: Clock;
  /** Called after a 201 install, outside the request (Teams sends its install events asynchronously). */
  onInstall?: (user: GraphUser, teamsAppId: string) => void | Promise<void>;
}

/** A token this emulator issued. */
export interface IssuedToken {
  token: string;
  clientId: string;
  scope: string;
  /** Resource part of the scope, e.g. https://graph.microsoft.com */
  resource: string;
  expiresAt: number;
}

/** One HTTP request and the status it got. */
export interface GraphRequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  headers: Record<string, string>;
  body: Json | undefined;
  time: number;
}

/** A fault for the next matching Graph or token request(s). */
export interface GraphFault {
  status: number;
  code?: string;
  message?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  match?: { path?: string; method?: string };
  times?: number;
}

/** A running Graph emulator. */
export interface GraphEmulator {
  /** e.g. http://127.0.0.1:5555 (token endpoint is `${loginUrl}/${tenantId}/oauth2/v2.0/token`). */
  loginUrl: string;
  /** The tenant's token endpoint. */
  tokenUrl: string;
  /** e.g. http://127.0.0.1:5555/v1.0 */
  graphUrl: string;
  tenantId: string;
  readonly requests: readonly GraphRequestRecord[];
  /** Adds a directory user; returns it. */
  addUser(user: GraphUser): GraphUser;
  /** Adds a group with member user ids. */
  addGroup(groupId: string, memberIds: string[], displayName?: string): void;
  /** Puts a Teams app (by teamsAppId) in the tenant catalog. */
  addCatalogApp(teamsAppId: string): void;
  /** Marks whether a user has ever signed in to Teams. */
  setTeamsSignedIn(userId: string, signedIn: boolean): void;
  /** True when the app is installed for the user (through this emulator or `markInstalled`). */
  isInstalled(userId: string, teamsAppId: string): boolean;
  /** Records an install without calling the hook (e.g. the user installed it themselves). */
  markInstalled(userId: string, teamsAppId: string): void;
  /** Replaces the hook called after each 201 install. */
  onInstall(hook: ((user: GraphUser, teamsAppId: string) => void | Promise<void>) | undefined): void;
  /** Issues a token directly (as the token endpoint would). */
  issueToken(clientId: string, scope: string): IssuedToken;
  /** True when `token` was issued here, is unexpired, and (if given) is for `resource`. */
  isIssuedToken(token: string, resource?: string): boolean;
  /** Makes the next matching request(s) fail with Graph's error body. */
  failNext(fault: GraphFault): void;
  setLatency(ms: number): void;
  waitForRequest(predicate: (r: GraphRequestRecord) => boolean, timeoutMs?: number): Promise<GraphRequestRecord>;
  /** Resolves when every onInstall hook started so far has settled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** Graph's error envelope: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function graphErrorBody(code: string, message: string, requestId: string = randomUUID()): JsonObject {
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': requestId },
    },
  };
}

function graphError(status: number, code: string, message: string, retryAfter?: number): Reply {
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, body: graphErrorBody(code, message), headers };
}

/** Entra's OAuth error body (AADSTS codes), as the v2.0 token endpoint sends it. */
function aadError(status: number, error: string, aadsts: number, description: string): Reply {
  const traceId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [aadsts],
      timestamp: new Date().toISOString(),
      trace_id: traceId,
      correlation_id: randomUUID(),
    },
  };
}

const installBody = z.object({ 'teamsApp@odata.bind': z.string() });
const checkMemberGroupsBody = z.object({ groupIds: z.array(z.string()).max(20) });

const DEFAULT_USER_FIELDS = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

/** Starts the Graph + token emulator on 127.0.0.1 with a random port. */
export async function startGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const tenantId = options.tenantId ?? '11111111-1111-1111-1111-111111111111';
  const clock = options.clock ?? systemClock;
  const requireAuth = options.requireAuth ?? true;
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const clients = options.clients ?? [];
  const catalog = new Set(options.catalogAppIds ?? []);
  const users: GraphUser[] = [];
  const groups = new Map<string, { displayName: string; members: string[] }>();
  const installs = new Map<string, Set<string>>();
  const tokens = new Map<string, IssuedToken>();
  const log = new RecordLog<GraphRequestRecord>();
  const pending = new Set<Promise<void>>();
  let hook = options.onInstall;
  const faults: Array<GraphFault & { remaining: number }> = [];
  let latencyMs = 0;
  let baseUrl = '';

  const findUser = (idOrUpn: string): GraphUser | undefined => {
    const key = idOrUpn.toLowerCase();
    // Graph resolves /users/{id | userPrincipalName}; it does not resolve an email in the path.
    return users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
  };
  const notFound = (what: string): Reply =>
    graphError(404, 'Request_ResourceNotFound', `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`);
  const userJson = (u: GraphUser, select?: string[]): JsonObject => {
    const full: JsonObject = {
      businessPhones: [],
      displayName: u.displayName,
      givenName: u.givenName ?? null,
      jobTitle: u.jobTitle ?? null,
      mail: u.mail ?? null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: u.surname ?? null,
      userPrincipalName: u.userPrincipalName,
      id: u.id,
      createdDateTime: u.createdDateTime ?? null,
      employeeHireDate: u.employeeHireDate ?? null,
    };
    const fields = select && select.length > 0 ? select : [...DEFAULT_USER_FIELDS];
    const out: JsonObject = {};
    for (const f of fields) {
      const v = full[f];
      if (v !== undefined) out[f] = v;
    }
    return out;
  };
  const selectOf = (req: ParsedRequest): string[] | undefined =>
    req.query
      .get('$select')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const installationId = (userId: string, appId: string): string => Buffer.from(`${userId}##${appId}`).toString('base64');

  const issueToken = (clientId: string, scope: string): IssuedToken => {
    const token = `emu.${randomBytes(32).toString('base64url')}`;
    const resource = scope.replace(/\/\.default$/, '');
    const t: IssuedToken = { token, clientId, scope, resource, expiresAt: clock.now() + lifetime * 1000 };
    tokens.set(token, t);
    return t;
  };
  const isIssuedToken = (token: string, resource?: string): boolean => {
    const t = tokens.get(token);
    if (!t || t.expiresAt <= clock.now()) return false;
    return resource === undefined || t.resource.replace(/\/$/, '') === resource.replace(/\/$/, '');
  };

  const tokenEndpoint = (req: ParsedRequest, tenant: string): Reply => {
    if (tenant !== tenantId && tenant !== 'botframework.com') {
      return aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    }
    const form = new URLSearchParams(req.rawBody.toString('utf8'));
    const grant = form.get('grant_type');
    const clientId = form.get('client_id') ?? '';
    const secret = form.get('client_secret') ?? '';
    const scope = form.get('scope') ?? '';
    if (grant !== 'client_credentials') {
      return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    if (clients.length > 0) {
      const client = clients.find((c) => c.clientId === clientId);
      if (!client) {
        return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
      }
      if (client.clientSecret !== secret) {
        return aadError(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
    } else if (!clientId || !secret) {
      return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    }
    if (!scope.endsWith('/.default')) {
      return aadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const t = issueToken(clientId, scope);
    return { status: 200, body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: t.token } };
  };

  const startHook = (user: GraphUser, appId: string): void => {
    if (!hook) return;
    const h = hook;
    // After the 201 is on the wire, as Teams' install events follow Graph's answer.
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => h(user, appId))
      .catch(() => undefined)
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const installedApps = (req: ParsedRequest, user: GraphUser, rest: string[]): Reply => {
    const mine = installs.get(user.id) ?? new Set<string>();
    if (rest.length === 0 && req.method === 'POST') {
      const parsed = installBody.safeParse(req.json);
      if (!parsed.success) return graphError(400, 'BadRequest', "Property 'teamsApp@odata.bind' is required.");
      const appId = /appCatalogs\/teamsApps\/([^/()'"]+)/.exec(parsed.data['teamsApp@odata.bind'])?.[1];
      if (!appId) return graphError(400, 'BadRequest', 'Invalid teamsApp@odata.bind value.');
      if (!catalog.has(appId)) return graphError(404, 'NotFound', `App with id '${appId}' was not found in the app catalog.`);
      if (user.teamsSignedIn === false) {
        return graphError(403, 'Forbidden', 'User is not enabled for Teams or has never signed in to Teams.');
      }
      if (mine.has(appId)) return graphError(409, 'Conflict', 'App is already installed for the user.');
      mine.add(appId);
      installs.set(user.id, mine);
      startHook(user, appId);
      return { status: 201 };
    }
    if (rest.length === 0 && req.method === 'GET') {
      const filterApp = /teamsAppDefinition\/teamsAppId eq '([^']+)'/.exec(req.query.get('$filter') ?? '')?.[1];
      const value = [...mine]
        .filter((a) => filterApp === undefined || a === filterApp)
        .map((a) => {
          const item: JsonObject = { id: installationId(user.id, a) };
          if ((req.query.get('$expand') ?? '').includes('teamsAppDefinition')) {
            item['teamsAppDefinition'] = { id: Buffer.from(`${a}##1.0.0`).toString('base64'), teamsAppId: a, displayName: 'App', version: '1.0.0' };
          }
          return item;
        });
      return { status: 200, body: { '@odata.context': `${baseUrl}/v1.0/$metadata#users('${user.id}')/teamwork/installedApps`, value } };
    }
    const installId = rest[0];
    const app = [...mine].find((a) => installationId(user.id, a) === installId);
    if (!app) return notFound(installId ?? '');
    if (rest[1] === 'chat' && req.method === 'GET') {
      // Reading the chat makes Teams (re)create the 1:1 chat and send conversationUpdate again.
      return { status: 200, body: { id: `19:${user.id}_${app}@unq.gbl.spaces`, chatType: 'oneOnOne' } };
    }
    if (rest.length === 1 && req.method === 'DELETE') {
      mine.delete(app);
      return { status: 204 };
    }
    return graphError(405, 'Request_BadRequest', 'Unsupported method.');
  };

  const groupMembers = (req: ParsedRequest, groupId: string): Reply => {
    const group = groups.get(groupId.toLowerCase());
    if (!group) return notFound(groupId);
    const top = Math.min(Math.max(Number(req.query.get('$top') ?? '100') || 100, 1), 999);
    const skip = Number(req.query.get('$skiptoken') ?? '0') || 0;
    const members = group.members.map((id) => findUser(id)).filter((u): u is GraphUser => u !== undefined);
    const page = members.slice(skip, skip + top).map((u) => ({ '@odata.type': '#microsoft.graph.user', ...userJson(u, selectOf(req)) }));
    const body: JsonObject = { '@odata.context': `${baseUrl}/v1.0/$metadata#directoryObjects`, value: page };
    if (skip + top < members.length) {
      const next = new URLSearchParams(req.query);
      next.set('$skiptoken', String(skip + top));
      body['@odata.nextLink'] = `${baseUrl}${req.path}?${next.toString()}`;
    }
    return { status: 200, body };
  };

  const graph = (req: ParsedRequest, parts: string[]): Reply => {
    const [collection, id, ...rest] = parts;
    if (collection === 'users' && id === undefined && req.method === 'GET') {
      // Email look-up goes through $filter (mail eq '…' or userPrincipalName eq '…'), not the path.
      const filter = req.query.get('$filter') ?? '';
      const wanted = [...filter.matchAll(/(mail|userPrincipalName) eq '([^']+)'/gi)].map((m) => [m[1]?.toLowerCase(), m[2]?.toLowerCase()]);
      const value = users
        .filter((u) => wanted.some(([f, v]) => (f === 'mail' ? (u.mail ?? '').toLowerCase() : u.userPrincipalName.toLowerCase()) === v))
        .map((u) => userJson(u, selectOf(req)));
      return { status: 200, body: { '@odata.context': `${baseUrl}/v1.0/$metadata#users`, value } };
    }
    if (collection === 'users' && id !== undefined) {
      const user = findUser(id);
      if (!user) return notFound(id);
      if (rest.length === 0 && req.method === 'GET') {
        return { status: 200, body: { '@odata.context': `${baseUrl}/v1.0/$metadata#users/$entity`, ...userJson(user, selectOf(req)) } };
      }
      if (rest[0] === 'teamwork' && rest[1] === 'installedApps') return installedApps(req, user, rest.slice(2));
      if (rest[0] === 'checkMemberGroups' && req.method === 'POST') {
        const parsed = checkMemberGroupsBody.safeParse(req.json);
        if (!parsed.success) return graphError(400, 'Request_BadRequest', 'Invalid groupIds: at most 20 group ids are allowed.');
        const value = parsed.data.groupIds.filter((g) => groups.get(g.toLowerCase())?.members.some((m) => m.toLowerCase() === user.id.toLowerCase()));
        return { status: 200, body: { '@odata.context': `${baseUrl}/v1.0/$metadata#Collection(Edm.String)`, value } };
      }
    }
    if (collection === 'groups' && id !== undefined && (rest[0] === 'members' || rest[0] === 'transitiveMembers') && req.method === 'GET') {
      return groupMembers(req, id);
    }
    return graphError(400, 'BadRequest', `Resource not found for the segment '${parts.join('/')}'.`);
  };

  const matchFault = (req: ParsedRequest): Reply | undefined => {
    const i = faults.findIndex((f) => (!f.match?.method || f.match.method.toUpperCase() === req.method) && (!f.match?.path || req.path.includes(f.match.path)));
    const f = faults[i];
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.splice(i, 1);
    const code = f.code ?? (f.status === 429 ? 'TooManyRequests' : f.status >= 500 ? 'ServiceUnavailable' : 'BadRequest');
    const message = f.message ?? (f.status === 429 ? 'Too many requests.' : 'Injected failure.');
    return graphError(f.status, code, message, f.retryAfter ?? (f.status === 429 ? 1 : undefined));
  };

  const handle = async (req: ParsedRequest): Promise<Reply> => {
    if (latencyMs > 0) await delay(latencyMs);
    const parts = req.path.split('/').filter(Boolean);
    const fault = matchFault(req);
    if (fault) return fault;
    if (req.method === 'POST' && parts.length === 4 && parts[1] === 'oauth2' && parts[2] === 'v2.0' && parts[3] === 'token') {
      return tokenEndpoint(req, parts[0] ?? '');
    }
    if (parts[0] !== 'v1.0') return graphError(404, 'NotFound', 'No such API.');
    if (requireAuth) {
      const token = bearerToken(req.headers);
      if (!token) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      const t = tokens.get(token);
      if (!t) return graphError(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed, there are no dots (.).');
      if (t.expiresAt <= clock.now()) return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
      if (!isIssuedToken(token, GRAPH_RESOURCE)) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    }
    return graph(req, parts.slice(1));
  };

  const server = await startLoopbackServer(handle, (req, reply) => {
    log.push({
      method: req.method,
      path: req.path,
      query: req.query.toString(),
      status: reply.status,
      headers: req.headers,
      body: req.json,
      time: clock.now(),
    });
  });
  baseUrl = server.url;

  return {
    loginUrl: server.url,
    tokenUrl: `${server.url}/${tenantId}/oauth2/v2.0/token`,
    graphUrl: `${server.url}/v1.0`,
    tenantId,
    get requests() {
      return log.items;
    },
    addUser(user) {
      if (findUser(user.id)) throw new Error(`graph emulator: user ${user.id} already added`);
      users.push({ teamsSignedIn: true, ...user });
      return user;
    },
    addGroup(groupId, memberIds, displayName = groupId) {
      groups.set(groupId.toLowerCase(), { displayName, members: [...memberIds] });
    },
    addCatalogApp(teamsAppId) {
      catalog.add(teamsAppId);
    },
    setTeamsSignedIn(userId, signedIn) {
      const u = findUser(userId);
      if (!u) throw new Error(`graph emulator: unknown user ${userId}`);
      u.teamsSignedIn = signedIn;
    },
    isInstalled(userId, teamsAppId) {
      const u = findUser(userId);
      return u !== undefined && (installs.get(u.id)?.has(teamsAppId) ?? false);
    },
    markInstalled(userId, teamsAppId) {
      const u = findUser(userId);
      if (!u) throw new Error(`graph emulator: unknown user ${userId}`);
      const mine = installs.get(u.id) ?? new Set<string>();
      mine.add(teamsAppId);
      installs.set(u.id, mine);
    },
    onInstall(h) {
      hook = h;
    },
    issueToken,
    isIssuedToken,
    failNext(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    waitForRequest(predicate, timeoutMs = 2000) {
      return log.waitFor(predicate, timeoutMs, 'graph request');
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () => server.close(),
  };
}
