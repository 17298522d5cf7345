/**
 * A loopback Bot Connector service: what a Teams bot reaches at `activity.serviceUrl`
 * (https://smba.trafficmanager.net/teams/ in the public cloud). It creates 1:1 conversations only for users who
 * have the app installed, answers member look-ups, records every activity the bot sends, enforces Teams' rate
 * limits with real Retry-After values, rejects oversized messages, and fails on demand.
 *
 * Requests go to `${serviceUrl}v3/…`; the serviceUrl keeps a path (`/teams/`) like the real one, so a bot that
 * drops the path from the serviceUrl gets 404 here as it would in Teams.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  bearerToken,
  delay,
  isJsonObject,
  RecordLog,
  startLoopbackServer,
  systemClock,
  type Clock,
  type Json,
  type JsonObject,
  type ParsedRequest,
  type Reply,
} from './loopback';
import { SlidingWindowLimiter, TEAMS_PER_CONVERSATION_WINDOWS, type RateWindow } from './slidingWindow';
import { defaultTeamsError, TEAMS_ERRORS, teamsErrorBody } from './teamsErrors';

/** A Teams user known to the emulated tenant. */
export interface TeamsUser {
  /** Entra object id (GUID). */
  aadObjectId: string;
  /** Teams user id, `29:…`. */
  userId: string;
  upn: string;
  name: string;
  email?: string;
  givenName?: string;
  surname?: string;
  userRole?: 'user' | 'guest';
  /** Defaults to the emulator's tenant. */
  tenantId?: string;
}

/** Options for `startTeamsEmulator`. */
export interface TeamsEmulatorOptions {
  /** The bot's Microsoft App ID (the bot is `28:<appId>`). */
  appId?: string;
  tenantId?: string;
  /** Refuse requests without `Authorization: Bearer …` (default true). */
  requireAuth?: boolean;
  /** Decides whether a bearer token is good (default: any non-empty token); e.g. `graph.isIssuedToken`. */
  acceptToken?: (token: string) => boolean;
  /** Time source for rate limits and records; pass `manualClock()` to move time in tests. */
  clock?: Clock;
  /** Per bot, per conversation windows (default Teams': 7/1 s, 8/2 s, 60/30 s, 1800/1 h). */
  conversationWindows?: readonly RateWindow[];
  /** Per app, per tenant requests per second (default 30). */
  tenantPerSecond?: number;
  /** Largest activity body accepted, in bytes (default 100 KB, Teams' documented message limit). */
  maxActivityBytes?: number;
  /** Path of the serviceUrl (default '/teams/'). */
  basePath?: string;
  /**
   * Post the `activity` of a conversation creation as its first message and answer with its activityId, as Teams
   * does (default true). false: open the chat, ignore the activity, answer with the id only.
   */
  postCreateActivity?: boolean;
  /** Refuse sends to conversations it never created or was told about (default false: they are adopted). */
  strictConversations?: boolean;
}

/** How an activity reached the emulator. */
export type ActivityKind = 'send' | 'reply' | 'update' | 'delete';

/** One activity the bot sent, replied, updated or deleted. */
export interface ActivityRecord {
  kind: ActivityKind;
  conversationId: string;
  /** The id the emulator gave (send/reply) or the id updated/deleted. */
  activityId: string;
  replyToId?: string;
  activity: JsonObject;
  time: number;
}

/** One HTTP request and the status it got. */
export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: Json | undefined;
  time: number;
}

/** One conversation created through POST /v3/conversations. */
export interface ConversationRecord {
  id: string;
  user: TeamsUser;
  tenantId: string;
  request: JsonObject;
  time: number;
}

/** A conversation the emulator knows. */
export interface EmulatedConversation {
  id: string;
  type: 'personal' | 'groupChat' | 'channel';
  tenantId: string;
  /** aadObjectIds of members; undefined means every registered user. */
  members?: string[];
}

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  conversationId?: string;
  /** Substring of the path after the serviceUrl, e.g. '/activities' or 'v3/conversations'. */
  path?: string;
  method?: string;
  /** The member a POST v3/conversations opens a chat with (aadObjectId or 29: id, case-insensitive). */
  member?: string;
}

/** A fault to inject on the next matching request(s). */
export interface Fault {
  status: number;
  code?: string;
  message?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  match?: FaultMatch;
  /** How many matching requests fail (default 1). */
  times?: number;
}

/** A running Teams emulator. */
export interface TeamsEmulator {
  /** Base URL the bot uses as serviceUrl; ends with '/'. */
  serviceUrl: string;
  appId: string;
  botId: string;
  tenantId: string;
  /** Every activity sent/replied/updated/deleted, in order. */
  readonly activities: readonly ActivityRecord[];
  /** Every HTTP request with its status. */
  readonly requests: readonly RequestRecord[];
  /** Every successful conversation create. */
  readonly conversations: readonly ConversationRecord[];
  /** Registers a user of the tenant; returns it with defaults filled. */
  addUser(user: TeamsUser): TeamsUser;
  /** Finds a user by aadObjectId, `29:` id, UPN or email (case-insensitive). */
  findUser(idOrUpn: string): TeamsUser | undefined;
  /** Marks the app installed in personal scope for the user. */
  installApp(user: string | TeamsUser): void;
  /** Marks the app uninstalled: creates get 403, sends to their 1:1 chat get 403 BotNotInConversationRoster. */
  uninstallApp(user: string | TeamsUser): void;
  /** True when the app is installed for the user. */
  isInstalled(user: string | TeamsUser): boolean;
  /** The stable 1:1 conversation id Teams would give this bot and user. */
  personalConversationId(user: string | TeamsUser): string;
  /** Tells the emulator about a conversation (a channel, a group chat, or a 1:1 chat seen in an activity). */
  addConversation(conversation: EmulatedConversation): void;
  /** Deletes a conversation: later calls to it get 404 ConversationNotFound. */
  deleteConversation(conversationId: string): void;
  /** Makes the next matching request(s) fail with the given status and Teams error body. */
  failNext(fault: Fault): void;
  /** Delays every answer by `ms` of real time. */
  setLatency(ms: number): void;
  /** Activities (send and reply) that reached a conversation id, or the 1:1 chat of a user. */
  sentTo(conversationIdOrUser: string | TeamsUser): ActivityRecord[];
  /** Resolves with the first activity record, present or future, that matches. */
  waitFor(predicate: (a: ActivityRecord) => boolean, timeoutMs?: number): Promise<ActivityRecord>;
  /** Resolves with the first request record, present or future, that matches. */
  waitForRequest(predicate: (r: RequestRecord) => boolean, timeoutMs?: number): Promise<RequestRecord>;
  /** Forgets records, counted rate-limit slots and pending faults (users, installs and conversations stay). */
  reset(): void;
  /** Whether a creation's `activity` is posted (as Teams does, the default) or ignored; see the option. */
  postCreateActivities(on: boolean): void;
  close(): Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The body CloudAdapter.createConversationAsync sends (ConversationParameters). */
const createConversationBody = z.object({
  isGroup: z.boolean().optional(),
  bot: z.object({ id: z.string() }).passthrough().optional(),
  members: z.array(z.object({ id: z.string() }).passthrough()).optional(),
  tenantId: z.string().optional(),
  channelData: z
    .object({ tenant: z.object({ id: z.string() }).passthrough().optional() })
    .passthrough()
    .optional(),
  activity: z.unknown().optional(),
  topicName: z.string().optional(),
});

function errorReply(status: number, code: string, message: string, retryAfter?: number): Reply {
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, body: teamsErrorBody(code, message), headers };
}

function known(e: { status: number; code: string; message: string }, retryAfter?: number): Reply {
  return errorReply(e.status, e.code, e.message, retryAfter);
}

/** Starts the emulator on 127.0.0.1 with a random port. */
export async function startTeamsEmulator(options: TeamsEmulatorOptions = {}): Promise<TeamsEmulator> {
  const appId = options.appId ?? '00000000-0000-0000-0000-00000000b07a';
  const tenantId = options.tenantId ?? '11111111-1111-1111-1111-111111111111';
  const botId = `28:${appId}`;
  const clock = options.clock ?? systemClock;
  const requireAuth = options.requireAuth ?? true;
  const acceptToken = options.acceptToken ?? ((t: string) => t.length > 0);
  const maxActivityBytes = options.maxActivityBytes ?? 100 * 1024;
  const basePath = options.basePath ?? '/teams/';
  const perConversation = new SlidingWindowLimiter(options.conversationWindows ?? TEAMS_PER_CONVERSATION_WINDOWS, clock);
  const perTenant = new SlidingWindowLimiter([{ limit: options.tenantPerSecond ?? 30, windowMs: 1000 }], clock);

  const users: TeamsUser[] = [];
  const installed = new Set<string>();
  const conversations = new Map<string, EmulatedConversation & { deleted?: boolean; personalUser?: string }>();
  const sentActivityIds = new Map<string, Set<string>>();
  const activityLog = new RecordLog<ActivityRecord>();
  const requestLog = new RecordLog<RequestRecord>();
  const conversationLog: ConversationRecord[] = [];
  let faults: Array<Fault & { remaining: number }> = [];
  let latencyMs = 0;
  let lastActivityId = 0;

  // Indexes over users (they are only ever added), so a lookup costs the same with 5 users or 5,000 (the install
  // storm bench adds thousands; a scan per request made the emulator, not the bot, the bottleneck).
  const byAadObjectId = new Map<string, number>();
  const byUserId = new Map<string, number>();
  const byUpn = new Map<string, number>();
  const byEmail = new Map<string, number>();
  const byPersonalConversation = new Map<string, TeamsUser>();
  const indexUser = (u: TeamsUser, i: number): void => {
    for (const [map, key] of [
      [byAadObjectId, u.aadObjectId.toLowerCase()],
      [byUserId, u.userId],
      [byUpn, u.upn.toLowerCase()],
      [byEmail, (u.email ?? '').toLowerCase()],
    ] as const) {
      if (!map.has(key)) map.set(key, i);
    }
    byPersonalConversation.set(personalConversationOf(u), u);
  };
  /** The first user added whose object id, user id, UPN or email is this (as a scan in order would find). */
  const findUser = (idOrUpn: string): TeamsUser | undefined => {
    const key = idOrUpn.toLowerCase();
    const hits = [byAadObjectId.get(key), byUserId.get(idOrUpn), byUpn.get(key), byEmail.get(key)].filter((i): i is number => i !== undefined);
    return hits.length === 0 ? undefined : users[Math.min(...hits)];
  };
  const resolveUser = (user: string | TeamsUser): TeamsUser => {
    const found = typeof user === 'string' ? findUser(user) : findUser(user.aadObjectId);
    if (!found) throw new Error(`teams emulator: unknown user ${typeof user === 'string' ? user : user.aadObjectId}`);
    return found;
  };
  // Real 1:1 ids look like "a:1XJKJMvc5G…": opaque, stable for one bot and one user.
  function personalConversationOf(u: TeamsUser): string {
    return `a:1${createHash('sha256').update(`${appId}|${u.aadObjectId.toLowerCase()}`).digest('base64url')}`;
  }
  const personalConversationId = (user: string | TeamsUser): string => personalConversationOf(resolveUser(user));
  const nextActivityId = (): string => {
    // Teams message ids are epoch milliseconds as a string ("1632474074231"); keep them unique.
    lastActivityId = Math.max(lastActivityId + 1, clock.now());
    return String(lastActivityId);
  };
  const membersOf = (conv: EmulatedConversation): TeamsUser[] =>
    conv.members
      ? conv.members
          .map((id) => byAadObjectId.get(id.toLowerCase()))
          .filter((i): i is number => i !== undefined)
          .sort((a, b) => a - b)
          .map((i) => users[i] as TeamsUser)
      : [...users];
  const teamsAccount = (u: TeamsUser): JsonObject => ({
    id: u.userId,
    name: u.name,
    aadObjectId: u.aadObjectId,
    givenName: u.givenName ?? u.name.split(' ')[0] ?? u.name,
    surname: u.surname ?? u.name.split(' ').slice(1).join(' '),
    email: u.email ?? u.upn,
    userPrincipalName: u.upn,
    tenantId: u.tenantId ?? tenantId,
    userRole: u.userRole ?? 'user',
  });

  /** Looks up a conversation, adopting unknown ones unless strict; returns an error reply when unusable. */
  const conversationFor = (id: string): EmulatedConversation | Reply => {
    let conv = conversations.get(id);
    if (!conv) {
      if (options.strictConversations) return known(TEAMS_ERRORS.conversationNotFound);
      // A 1:1 id that belongs to a known user is that user's chat, so installs still govern it.
      const owner = id.startsWith('a:') ? byPersonalConversation.get(id) : undefined;
      conv = owner
        ? { id, type: 'personal', tenantId, members: [owner.aadObjectId], personalUser: owner.aadObjectId }
        : { id, type: id.startsWith('a:') ? 'personal' : 'channel', tenantId };
      conversations.set(id, conv);
    }
    if (conv.deleted) return known(TEAMS_ERRORS.conversationNotFound);
    if (conv.personalUser && !installed.has(conv.personalUser)) return known(TEAMS_ERRORS.botNotInConversationRoster);
    return conv;
  };
  const isReply = (v: EmulatedConversation | Reply): v is Reply => 'status' in v;

  const takeSlots = (conversationKey: string, tenant: string): Reply | undefined => {
    const t = perTenant.take(`${appId}|${tenant}`);
    if (!t.allowed) return known(TEAMS_ERRORS.throttled, Math.max(1, Math.ceil(t.retryAfterMs / 1000)));
    const c = perConversation.take(`${botId}|${conversationKey}`);
    if (!c.allowed) return known(TEAMS_ERRORS.throttled, Math.max(1, Math.ceil(c.retryAfterMs / 1000)));
    return undefined;
  };

  const createdMember = (req: ParsedRequest, rel: string): string | undefined => {
    if (req.method !== 'POST' || rel.replace(/\/+$/, '') !== 'v3/conversations') return undefined;
    return createConversationBody.safeParse(req.json).data?.members?.[0]?.id;
  };

  const matchFault = (req: ParsedRequest, rel: string): Reply | undefined => {
    const convId = /^v3\/conversations\/([^/]+)/.exec(rel)?.[1];
    const i = faults.findIndex(
      (f) =>
        (!f.match?.method || f.match.method.toUpperCase() === req.method) &&
        (!f.match?.path || `/${rel}`.includes(f.match.path) || rel.includes(f.match.path)) &&
        (!f.match?.conversationId || f.match.conversationId === convId) &&
        (!f.match?.member || f.match.member.toLowerCase() === createdMember(req, rel)?.toLowerCase()),
    );
    const f = faults[i];
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) faults.splice(i, 1);
    const d = defaultTeamsError(f.status);
    return errorReply(f.status, f.code ?? d.code, f.message ?? d.message, f.retryAfter);
  };

  const recordActivity = (kind: ActivityKind, conversationId: string, activityId: string, body: JsonObject, replyToId?: string): void => {
    const rec: ActivityRecord = { kind, conversationId, activityId, activity: body, time: clock.now() };
    if (replyToId !== undefined) rec.replyToId = replyToId;
    activityLog.push(rec);
  };

  let postCreateActivity = options.postCreateActivity !== false;
  const createConversation = (req: ParsedRequest): Reply => {
    const parsed = createConversationBody.safeParse(req.json);
    if (!parsed.success || !isJsonObject(req.json)) return known(TEAMS_ERRORS.badArgument);
    const body = parsed.data;
    if (body.isGroup === true) return errorReply(400, 'BadArgument', 'Bots cannot create group conversations.');
    if (body.bot && body.bot.id !== botId && body.bot.id !== appId) {
      return errorReply(400, 'BadArgument', 'Bot id in the request does not match the authenticated bot.');
    }
    const members = body.members ?? [];
    const first = members[0];
    if (members.length !== 1 || !first) return errorReply(400, 'BadArgument', 'Exactly one member is required for a 1:1 conversation.');
    const memberId = first.id;
    if (!memberId.startsWith('29:') && !GUID.test(memberId)) return known(TEAMS_ERRORS.badSyntax);
    const user = memberId.startsWith('29:') ? users[byUserId.get(memberId) ?? -1] : findUser(memberId);
    if (!user) return known(TEAMS_ERRORS.memberNotFoundOnCreate);
    const tenant = body.tenantId ?? body.channelData?.tenant?.id ?? tenantId;
    const id = personalConversationId(user);
    const throttled = takeSlots(id, tenant);
    if (throttled) return throttled;
    if (!installed.has(user.aadObjectId)) return known(TEAMS_ERRORS.notInstalledPersonal);
    if (body.activity !== undefined && Buffer.byteLength(JSON.stringify(body.activity)) > maxActivityBytes) return known(TEAMS_ERRORS.messageSizeTooBig);
    const existing = conversations.get(id);
    if (!existing || existing.deleted) {
      conversations.set(id, { id, type: 'personal', tenantId: tenant, members: [user.aadObjectId], personalUser: user.aadObjectId });
    }
    conversationLog.push({ id, user, tenantId: tenant, request: req.json, time: clock.now() });
    // Teams posts `activity`, when given, as the chat's first message, within the same call (and rate-limit slot).
    if (isJsonObject(body.activity) && postCreateActivity) {
      const activityId = nextActivityId();
      const ids = sentActivityIds.get(id) ?? new Set<string>();
      ids.add(activityId);
      sentActivityIds.set(id, ids);
      recordActivity('send', id, activityId, body.activity);
      return { status: 201, body: { id, activityId } };
    }
    return { status: 201, body: { id } };
  };

  const route = (req: ParsedRequest, rel: string): Reply => {
    const parts = rel.split('/').filter((p) => p.length > 0);
    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return errorReply(404, 'NotFound', 'No such API.');
    if (parts.length === 2) {
      if (req.method === 'POST') return createConversation(req);
      return errorReply(405, 'MethodNotAllowed', 'Listing conversations is not supported by Teams.');
    }
    const conversationId = parts[2] ?? '';
    const resource = parts[3];
    const conv = conversationFor(conversationId);
    if (isReply(conv)) return conv;

    if (resource === 'activities') {
      const activityId = parts[4];
      if (req.method === 'POST' || req.method === 'PUT') {
        if (req.rawBody.length > maxActivityBytes) return known(TEAMS_ERRORS.messageSizeTooBig);
        if (!isJsonObject(req.json) || typeof req.json['type'] !== 'string') {
          return errorReply(400, 'BadArgument', 'Activity type is required.');
        }
      }
      if (req.method === 'POST') {
        const throttled = takeSlots(conversationId, conv.tenantId);
        if (throttled) return throttled;
        const id = nextActivityId();
        const ids = sentActivityIds.get(conversationId) ?? new Set<string>();
        ids.add(id);
        sentActivityIds.set(conversationId, ids);
        recordActivity(activityId ? 'reply' : 'send', conversationId, id, req.json as JsonObject, activityId);
        return { status: 201, body: { id } };
      }
      if (activityId && (req.method === 'PUT' || req.method === 'DELETE')) {
        if (!sentActivityIds.get(conversationId)?.has(activityId)) return known(TEAMS_ERRORS.activityNotFound);
        const throttled = takeSlots(conversationId, conv.tenantId);
        if (throttled) return throttled;
        if (req.method === 'PUT') {
          recordActivity('update', conversationId, activityId, req.json as JsonObject);
          return { status: 200, body: { id: activityId } };
        }
        sentActivityIds.get(conversationId)?.delete(activityId);
        recordActivity('delete', conversationId, activityId, {});
        return { status: 200 };
      }
      return errorReply(405, 'MethodNotAllowed', 'Unsupported method.');
    }

    if ((resource === 'members' || resource === 'pagedmembers') && req.method === 'GET') {
      const throttled = perTenant.take(`${appId}|${conv.tenantId}`);
      if (!throttled.allowed) return known(TEAMS_ERRORS.throttled, Math.max(1, Math.ceil(throttled.retryAfterMs / 1000)));
      const members = membersOf(conv);
      const memberId = parts[4];
      if (resource === 'members' && memberId) {
        const u = findUser(memberId);
        if (!u || !members.includes(u)) return known(TEAMS_ERRORS.memberNotFound);
        return { status: 200, body: teamsAccount(u) };
      }
      if (resource === 'members') return { status: 200, body: members.map(teamsAccount) };
      const pageSize = Math.min(Math.max(Number(req.query.get('pageSize') ?? '200') || 200, 1), 500);
      const start = Number(req.query.get('continuationToken') ?? '0') || 0;
      const page = members.slice(start, start + pageSize).map(teamsAccount);
      const body: JsonObject = { members: page };
      if (start + pageSize < members.length) body['continuationToken'] = String(start + pageSize);
      return { status: 200, body };
    }
    return errorReply(404, 'NotFound', 'No such API.');
  };

  const handle = async (req: ParsedRequest): Promise<Reply> => {
    if (latencyMs > 0) await delay(latencyMs);
    if (!req.path.startsWith(basePath)) return errorReply(404, 'NotFound', 'No such API.');
    const rel = req.path.slice(basePath.length);
    if (requireAuth) {
      const token = bearerToken(req.headers);
      if (!token || !acceptToken(token)) return { status: 401, body: { message: TEAMS_ERRORS.unauthorized.message } };
    }
    const fault = matchFault(req, rel);
    if (fault) return fault;
    return route(req, rel);
  };

  const server = await startLoopbackServer(handle, (req, reply) => {
    requestLog.push({
      method: req.method,
      path: req.path,
      status: reply.status,
      headers: req.headers,
      body: req.json,
      time: clock.now(),
    });
  });

  const emulator: TeamsEmulator = {
    serviceUrl: `${server.url}${basePath}`,
    appId,
    botId,
    tenantId,
    get activities() {
      return activityLog.items;
    },
    get requests() {
      return requestLog.items;
    },
    get conversations() {
      return conversationLog;
    },
    addUser(user) {
      const full: TeamsUser = { tenantId, email: user.upn, userRole: 'user', ...user };
      if (findUser(full.aadObjectId)) throw new Error(`teams emulator: user ${full.aadObjectId} already added`);
      users.push(full);
      indexUser(full, users.length - 1);
      return full;
    },
    findUser,
    installApp(user) {
      const u = resolveUser(user);
      installed.add(u.aadObjectId);
      const id = personalConversationId(u);
      const conv = conversations.get(id);
      if (conv?.deleted) conv.deleted = false;
    },
    uninstallApp(user) {
      installed.delete(resolveUser(user).aadObjectId);
    },
    isInstalled(user) {
      return installed.has(resolveUser(user).aadObjectId);
    },
    personalConversationId,
    addConversation(conversation) {
      const personalUser = conversation.type === 'personal' ? conversation.members?.[0] : undefined;
      conversations.set(conversation.id, personalUser ? { ...conversation, personalUser } : { ...conversation });
    },
    deleteConversation(conversationId) {
      const conv = conversations.get(conversationId) ?? { id: conversationId, type: 'personal' as const, tenantId };
      conversations.set(conversationId, { ...conv, deleted: true });
    },
    failNext(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    sentTo(target) {
      const user = typeof target === 'string' ? findUser(target) : target;
      const id = user ? personalConversationId(user) : (target as string);
      return activityLog.items.filter((a) => a.conversationId === id && (a.kind === 'send' || a.kind === 'reply'));
    },
    waitFor(predicate, timeoutMs = 2000) {
      return activityLog.waitFor(predicate, timeoutMs, 'activity');
    },
    waitForRequest(predicate, timeoutMs = 2000) {
      return requestLog.waitFor(predicate, timeoutMs, 'request');
    },
    postCreateActivities(on) {
      postCreateActivity = on;
    },
    reset() {
      activityLog.clear();
      requestLog.clear();
      conversationLog.length = 0;
      perConversation.reset();
      perTenant.reset();
      faults = [];
    },
    close: () => server.close(),
  };
  return emulator;
}
