/**
 * Connector clients made once per bot identity, service URL and audience, and reused for every turn and send; the
 * user-token client CloudAdapter makes with each turn, once per bot identity.
 *
 * FINDING (botbuilder 4.23.3): CloudAdapter asks its ConnectorFactory for a client on every turn and every
 * proactive send, and ConnectorFactoryImpl.create builds a new ConnectorClient each time: a new @azure/core-client
 * ServiceClient with its whole HTTP pipeline of policies. In the benchmark that was about 40 KB of the 300–400 KB a
 * turn allocates; its effect on CPU per turn is below the VM's noise (docs/bench.md, "Fifth pass"). The user-token
 * client (UserTokenClientImpl: an app id and a TokenApiClient, another ServiceClient) is made the same way for every
 * turn, though this bot never asks it for a token: about 36 KB more.
 *
 * A client holds nothing of a turn: each request is signed and given its headers as it is sent, the conversation and
 * activity are arguments of each call, and nothing in botbuilder writes to the client it keeps in turnState. Its
 * credentials are the factory's, for the bot's own app: with the app types this bot allows (SingleTenant,
 * MultiTenant, UserAssignedMSI) tokens are cached per app id and scope and fetched again when they expire, so a
 * client kept for days stays good. (A federated credential would not: FederatedAppCredentials fixes its client
 * assertion when it first fetches a token. Check this before allowing that app type.)
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
  private readonly tokenClients = new LRUCache<string, Promise<UserTokenClient>>({ max: MAX_CLIENTS });

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    private readonly prepare: (client: ConnectorClient) => ConnectorClient = (client) => client,
  ) {
    super();
    // Its clients are shared: one wrapped again would have `prepare` change the clients the inner one hands out
    // (the proactive adjustment would take the retries from turn replies).
    if (inner instanceof ReusedConnectorClients) throw new Error("ReusedConnectorClients wraps botbuilder's own authentication, not another one");
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

  /** The user-token client CloudAdapter also makes every turn (this bot signs nobody in, but botbuilder makes it): reused too. */
  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return reuse(this.tokenClients, appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
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
    return new ReusingFactory(factory, appIdOf(identity), this.clients, this.prepare);
  }
}

/** The bot identity botbuilder makes clients for, read as it reads it (parameterizedBotFrameworkAuthentication.js). */
function appIdOf(identity: ClaimsIdentity): string {
  return identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/** The kept client for the key, or a new one from `make`, kept unless making it fails (the next call then tries again). */
function reuse<T>(clients: LRUCache<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let client = clients.get(key);
  if (!client) {
    const made = make();
    made.catch(() => {
      if (clients.peek(key) === made) clients.delete(key);
    });
    clients.set(key, made);
    client = made;
  }
  return client;
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
    return reuse(this.clients, JSON.stringify([this.appId, serviceUrl, audience ?? null]), () => this.inner.create(serviceUrl, audience).then(this.prepare));
  }
}
