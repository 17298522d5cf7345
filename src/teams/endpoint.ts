import type { Activity, ActivityHandler } from 'botbuilder';
import type { AuthenticateRequestResult, BotFrameworkAuthentication } from 'botframework-connector';
import type { WelcomeCloudAdapter } from './cloudAdapter';

/** What the Teams edge did with one activity: botbuilder's authentication refused it, or the turn ran. */
export type EndpointOutcome = { readonly kind: 'refused' } | { readonly kind: 'done'; readonly status: number; readonly body?: unknown };

/**
 * The Bot Framework endpoint as the HTTP edge (src/server/server.ts) sees it: a body that passed its checks (JSON,
 * envelope, service URL, channel-token pre-check) and the Authorization header in; a status and body out. The SDK
 * lives behind it: a move to the Agents SDK changes this file, not the server.
 */
export interface ActivityEndpoint {
  run(body: Record<string, unknown>, authorization: string | undefined): Promise<EndpointOutcome>;
}

/** The endpoint over botbuilder: its own authentication, then one turn on the CloudAdapter. A turn's failure rejects. */
export class BotbuilderEndpoint implements ActivityEndpoint {
  constructor(
    private readonly adapter: WelcomeCloudAdapter,
    private readonly auth: BotFrameworkAuthentication,
    private readonly bot: ActivityHandler,
  ) {}

  async run(body: Record<string, unknown>, authorization: string | undefined): Promise<EndpointOutcome> {
    const activity = toActivity(body);
    // botbuilder's own validation, called here rather than inside CloudAdapter.process: that one answers a
    // failure with its error message, 500 for anything not an AuthenticationError, and a stack on stderr.
    let authenticated: AuthenticateRequestResult;
    try {
      authenticated = await this.auth.authenticateRequest(activity, authorization ?? '');
    } catch {
      return { kind: 'refused' };
    }
    const invokeResponse = await this.adapter.processAuthenticated(authenticated, activity, (context) => this.bot.run(context));
    return { kind: 'done', status: invokeResponse?.status ?? 200, ...(invokeResponse?.body !== undefined ? { body: invokeResponse.body as unknown } : {}) };
  }
}

/** Longest id and display name kept from an activity's parties (Teams' own are far shorter). */
const MAX_ID = 512;
const MAX_NAME = 256;

/** A party (from, recipient, conversation) reduced to the string and boolean fields Teams sends, each capped. */
function boundedParty(value: unknown, fields: readonly string[]): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const source = value as Record<string, unknown>;
  const party: Record<string, unknown> = {};
  for (const field of fields) {
    const v = source[field];
    if (typeof v === 'string') party[field] = v.slice(0, field === 'name' ? MAX_NAME : MAX_ID);
    else if (typeof v === 'boolean') party[field] = v;
  }
  return party;
}

/**
 * What botbuilder's CloudAdapter.process does to a parsed body before a turn (activityValidator.js), and one thing
 * it does not: `from`, `recipient` and `conversation` are cut down to bounded fields. botbuilder copies them into
 * every reply and stored reference, so a 200 KB name or deep nesting there would make replies fail (413) or stay.
 */
function toActivity(body: Record<string, unknown>): Activity {
  const activity = body as unknown as Activity & Record<string, unknown>;
  const fields = activity as Record<string, unknown>;
  for (const [field, keep] of [
    ['from', ['id', 'name', 'aadObjectId', 'role']],
    ['recipient', ['id', 'name', 'role']],
    ['conversation', ['id', 'name', 'tenantId', 'conversationType', 'isGroup']],
  ] as const) {
    const party = boundedParty(fields[field], keep);
    if (party) fields[field] = party;
    else delete fields[field];
  }
  for (const field of ['timestamp', 'expiration', 'localTimestamp'] as const) {
    const value = activity[field] as unknown;
    if (typeof value === 'string') {
      const raw = `raw${field[0]?.toUpperCase() ?? ''}${field.slice(1)}`;
      activity[raw] = value;
      (activity as Record<string, unknown>)[field] = new Date(value);
    }
  }
  return activity;
}
