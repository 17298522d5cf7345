/**
 * Connector clients for proactive sends (LA welcomes, reminders): one retry layer, ours, and Teams' rate limits.
 *
 * FINDING (botbuilder 4.23.3): botframework-connector's ConnectorClient is built on botbuilder-stdlib's
 * ServiceClientContext, which creates an @azure/core-client ServiceClient whose pipeline comes from
 * @azure/core-rest-pipeline's createPipelineFromOptions. That pipeline has `defaultRetryPolicy` (from
 * @typespec/ts-http-runtime): maxRetries 3, i.e. up to 4 requests per call, retrying 429 and 503 after their
 * Retry-After (throttlingRetryStrategy), and 408/500/502/503/504 (any 5xx but 501 and 505) and ECONNRESET-style
 * network errors with exponential backoff from 1 s (exponentialRetryStrategy). 412 and other 4xx are not
 * retried. Botbuilder exposes no option to change this (ServiceClientContext ignores retryOptions).
 * Our delivery engine retries whole deliveries (durably, with Retry-After and jitter), so on top of the
 * pipeline's retries one failing send could reach Teams 4 × DELIVERY_MAX_ATTEMPTS times, and 429 retries
 * would bypass our rate limiter. So the clients made here have `defaultRetryPolicy` removed and a
 * rate-limit policy in its place: every request waits for its slot in TeamsRateLimiter, and a 429 pauses the
 * tenant. Turn replies (the user's own conversation, answered within the turn) keep botbuilder's default
 * pipeline. test/integration/deliveryEngine.test.ts counts the requests at the Teams emulator to prove it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { BotFrameworkAuthentication, ConnectorClient } from 'botframework-connector';
import type { DeliveryClock } from '../delivery/clock';
import type { TeamsRateLimiter } from '../delivery/rateLimiter';
import { parseRetryAfter } from '../delivery/retryAfter';
import { ReusedConnectorClients } from './connectorClients';

/** The name @azure/core-rest-pipeline gives its retry policy. */
export const AZURE_DEFAULT_RETRY_POLICY = 'defaultRetryPolicy';
const RATE_LIMIT_POLICY = 'teamsRateLimitPolicy';

/** The parts of @azure/core-rest-pipeline's Pipeline used here (typed structurally: it is not a direct dependency). */
interface PipelineRequestLike {
  readonly url: string;
  readonly method: string;
}
interface PipelineResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | undefined };
}
interface PipelinePolicyLike {
  readonly name: string;
  sendRequest(request: PipelineRequestLike, next: (request: PipelineRequestLike) => Promise<PipelineResponseLike>): Promise<PipelineResponseLike>;
}
export interface PipelineLike {
  removePolicy(options: { name: string }): unknown[];
  addPolicy(policy: PipelinePolicyLike, options?: { phase?: 'Serialize' | 'Retry' | 'Sign' | 'Deserialize' }): void;
  getOrderedPolicies(): { name: string }[];
}

/** Reaches the HTTP pipeline inside a ConnectorClient (ServiceClientContext keeps its core-client ServiceClient in `client`). */
export function pipelineOf(client: ConnectorClient): PipelineLike {
  const pipeline = (client as unknown as { client?: { pipeline?: PipelineLike } }).client?.pipeline;
  if (!pipeline || typeof pipeline.removePolicy !== 'function') {
    throw new Error('botframework-connector changed: its ConnectorClient no longer exposes the HTTP pipeline this bot adjusts');
  }
  return pipeline;
}

const tenantScope = new AsyncLocalStorage<{ tenantId: string }>();

/** Runs Teams calls on behalf of one tenant, so their requests spend that tenant's budget. */
export function forTenant<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
  return tenantScope.run({ tenantId }, work);
}

/** The budgets a Bot Connector request spends: the tenant's always; a conversation's for sends, updates and deletes. */
export function rateKeysOf(request: PipelineRequestLike): { tenant: string; conversation?: string } {
  const tenant = tenantScope.getStore()?.tenantId ?? 'default';
  const path = new URL(request.url).pathname;
  const match = /\/v3\/conversations\/([^/]+)\/activities(?:\/|$)/.exec(path);
  if (match && request.method !== 'GET') return { tenant, conversation: decodeURIComponent(match[1] as string) };
  return { tenant };
}

/** How long a 429 pauses the tenant: Teams' Retry-After, or a second when it gave none. */
function retryAfterMs(response: PipelineResponseLike): number {
  return parseRetryAfter(response.headers.get('retry-after')) ?? 1000;
}

/** Removes the Azure retry policy and puts the rate-limit policy in the (now empty) Retry phase. */
export function makeProactive(client: ConnectorClient, limiter: TeamsRateLimiter, clock: DeliveryClock): ConnectorClient {
  const pipeline = pipelineOf(client);
  pipeline.removePolicy({ name: AZURE_DEFAULT_RETRY_POLICY });
  pipeline.removePolicy({ name: RATE_LIMIT_POLICY });
  pipeline.addPolicy(
    {
      name: RATE_LIMIT_POLICY,
      async sendRequest(request, next) {
        const keys = rateKeysOf(request);
        await clock.sleep(limiter.reserve(keys));
        const response = await next(request);
        if (response.status === 429) limiter.pause(keys.tenant, retryAfterMs(response));
        return response;
      },
    },
    { phase: 'Retry' },
  );
  return client;
}

/**
 * BotFrameworkAuthentication for the proactive adapter: the same credentials and checks as the bot's own, but
 * connector clients without Azure's retry policy and with Teams' rate limits (each client adjusted once, when made).
 */
export class ProactiveAuthentication extends ReusedConnectorClients {
  constructor(inner: BotFrameworkAuthentication, limiter: TeamsRateLimiter, clock: DeliveryClock) {
    super(inner, (client) => makeProactive(client, limiter, clock));
  }
}
