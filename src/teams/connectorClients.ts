/**
 * Connector clients made once per bot identity, service URL and audience, and reused for every turn and send.
 *
 * FINDING (botbuilder 4.23.3): CloudAdapter asks its ConnectorFactory for a client on every turn and every
 * proactive send, and ConnectorFactoryImpl.create builds a new ConnectorClient each time: a new @azure/core-client
 * ServiceClient with its whole HTTP pipeline of policies. In the benchmark that was about a tenth of the memory an
 * acknowledgement turn allocates, and a few per cent of its CPU (docs/bench.md, "Fifth pass"). A client holds
 * nothing of a turn: its credentials are the factory's (tokens cached by botbuilder per app id and audience), and
 * the conversation and activity are arguments of each call. The old BotFrameworkAdapter kept its clients too.
 */
import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';
import { LRUCache } from 'lru-cache';

/**
 * Clients kept: Teams uses a handful of service URLs (one per region), and this bot one identity. Bounded all
 * the same: a service URL comes from an authenticated activity, but nothing should grow without limit.
 */
const MAX_CLIENTS = 32;

/**
 * The bot's BotFrameworkAuthentication with its connector clients reused: authentication and everything else is
 * the inner one's. `prepare` adjusts each client once, when it is made (src/teams/proactiveConnector.ts).
 */
export class ReusedConnectorClients extends BotFrameworkAuthentication {
  private readonly clients = new LRUCache<string, Promise<ConnectorClient>>({ max: MAX_CLIENTS });

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    private readonly prepare: (client: ConnectorClient) => ConnectorClient = (client) => client,
  ) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusingIn(await this.inner.authenticateRequest(activity, authHeader));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusingIn(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(this.inner.createConnectorFactory(claimsIdentity), claimsIdentity);
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  /** A turn's authentication result, its connector factory reusing clients (CloudAdapter makes the turn's client with it). */
  private reusingIn(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.connectorFactory, result.claimsIdentity) } : result;
  }

  private reusing(factory: ConnectorFactory, identity: ClaimsIdentity): ConnectorFactory {
    // The bot identity the factory makes clients for, as botbuilder reads it (parameterizedBotFrameworkAuthentication.js).
    const appId = identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
    return new ReusingFactory(factory, appId, this.clients, this.prepare);
  }
}

class ReusingFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string,
    private readonly clients: LRUCache<string, Promise<ConnectorClient>>,
    private readonly prepare: (client: ConnectorClient) => ConnectorClient,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const key = JSON.stringify([this.appId, serviceUrl, audience ?? null]);
    let client = this.clients.get(key);
    if (!client) {
      client = this.inner.create(serviceUrl, audience).then(this.prepare);
      // A client that could not be made is not kept: the next call tries again.
      const made = client;
      made.catch(() => {
        if (this.clients.get(key) === made) this.clients.delete(key);
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
