import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ClaimsIdentity,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import { systemDeliveryClock } from '../../src/delivery/clock';
import { TeamsRateLimiter } from '../../src/delivery/rateLimiter';
import { ReusedConnectorClients } from '../../src/teams/connectorClients';
import { AZURE_DEFAULT_RETRY_POLICY, forTenant, pipelineOf, ProactiveAuthentication } from '../../src/teams/proactiveConnector';

const UK = 'https://smba.trafficmanager.net/uk/';
const EMEA = 'https://smba.trafficmanager.net/emea/';
const CHANNEL = 'https://api.botframework.com';

function identity(appId: string): ClaimsIdentity {
  return new ClaimsIdentity([{ type: AuthenticationConstants.AudienceClaim, value: appId }], true);
}

/** botbuilder's authentication as far as connector clients go: counts the clients it makes, each a new object. */
class CountingAuthentication extends BotFrameworkAuthentication {
  readonly made: { appId: string; serviceUrl: string; audience: string | undefined }[] = [];
  failNext = 0;

  authenticateRequest(): Promise<AuthenticateRequestResult> {
    const claimsIdentity = identity('bot-app');
    return Promise.resolve({ claimsIdentity, audience: CHANNEL, callerId: '', connectorFactory: this.createConnectorFactory(claimsIdentity) });
  }
  authenticateStreamingRequest(): Promise<AuthenticateRequestResult> {
    return this.authenticateRequest();
  }
  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    const made = this.made;
    const appId = claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? '';
    const fail = (): boolean => this.failNext-- > 0;
    return new (class extends ConnectorFactory {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        if (fail()) return Promise.reject(new Error('no credentials'));
        made.push({ appId, serviceUrl, audience });
        return Promise.resolve({ serviceUrl, audience } as unknown as ConnectorClient);
      }
    })();
  }
  readonly tokenClientsMade: string[] = [];
  failTokenNext = 0;
  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    const appId = claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? '';
    if (this.failTokenNext-- > 0) return Promise.reject(new Error('no credentials'));
    this.tokenClientsMade.push(appId);
    return Promise.resolve({ appId } as unknown as UserTokenClient);
  }
}

describe('connector clients reused across turns', () => {
  it('a second turn to the same service URL gets the client the first made', async () => {
    const inner = new CountingAuthentication();
    const auth = new ReusedConnectorClients(inner);
    const first = await auth.createConnectorFactory(identity('bot-app')).create(UK, CHANNEL);
    const second = await auth.createConnectorFactory(identity('bot-app')).create(UK, CHANNEL);
    expect(second).toBe(first);
    expect(inner.made).toHaveLength(1);
  });

  it('the turn path (the factory in the authentication result, as CloudAdapter uses it) reuses them too', async () => {
    const inner = new CountingAuthentication();
    const auth = new ReusedConnectorClients(inner);
    const clients = [];
    for (let turn = 0; turn < 3; turn++) {
      const result = await auth.authenticateRequest({} as Activity, 'Bearer x');
      clients.push(await result.connectorFactory?.create(UK, result.audience));
    }
    expect(new Set(clients).size).toBe(1);
    expect(inner.made).toHaveLength(1);
  });

  it('another service URL, audience or bot identity gets a client of its own', async () => {
    const inner = new CountingAuthentication();
    const auth = new ReusedConnectorClients(inner);
    const uk = await auth.createConnectorFactory(identity('bot-app')).create(UK, CHANNEL);
    const emea = await auth.createConnectorFactory(identity('bot-app')).create(EMEA, CHANNEL);
    const otherAudience = await auth.createConnectorFactory(identity('bot-app')).create(UK, 'https://api.botframework.us');
    const otherBot = await auth.createConnectorFactory(identity('other-app')).create(UK, CHANNEL);
    expect(new Set([uk, emea, otherAudience, otherBot]).size).toBe(4);
    expect(inner.made).toEqual([
      { appId: 'bot-app', serviceUrl: UK, audience: CHANNEL },
      { appId: 'bot-app', serviceUrl: EMEA, audience: CHANNEL },
      { appId: 'bot-app', serviceUrl: UK, audience: 'https://api.botframework.us' },
      { appId: 'other-app', serviceUrl: UK, audience: CHANNEL },
    ]);
  });

  it('a client that could not be made is not kept: the next turn tries again', async () => {
    const inner = new CountingAuthentication();
    const auth = new ReusedConnectorClients(inner);
    inner.failNext = 1;
    await expect(auth.createConnectorFactory(identity('bot-app')).create(UK, CHANNEL)).rejects.toThrow('no credentials');
    await expect(auth.createConnectorFactory(identity('bot-app')).create(UK, CHANNEL)).resolves.toBeDefined();
    expect(inner.made).toHaveLength(1);
  });

  it('keeps a bounded number: service URLs beyond it push out the least recently used', async () => {
    const inner = new CountingAuthentication();
    const auth = new ReusedConnectorClients(inner);
    const factory = auth.createConnectorFactory(identity('bot-app'));
    for (let i = 0; i < 40; i++) await factory.create(`https://smba.trafficmanager.net/r${i}/`, CHANNEL);
    await factory.create('https://smba.trafficmanager.net/r39/', CHANNEL); // kept
    await factory.create('https://smba.trafficmanager.net/r0/', CHANNEL); // pushed out long ago: made again
    expect(inner.made).toHaveLength(41);
  });

  it('the user-token client CloudAdapter makes with every turn is made once per bot identity', async () => {
    const inner = new CountingAuthentication();
    const auth = new ReusedConnectorClients(inner);
    const first = await auth.createUserTokenClient(identity('bot-app'));
    expect(await auth.createUserTokenClient(identity('bot-app'))).toBe(first);
    expect(await auth.createUserTokenClient(identity('other-app'))).not.toBe(first);
    expect(inner.tokenClientsMade).toEqual(['bot-app', 'other-app']);
    inner.failTokenNext = 1;
    await expect(auth.createUserTokenClient(identity('third-app'))).rejects.toThrow('no credentials');
    await expect(auth.createUserTokenClient(identity('third-app'))).resolves.toBeDefined(); // not kept: made again
    expect(inner.tokenClientsMade).toEqual(['bot-app', 'other-app', 'third-app']);
  });

  it('refuses to wrap another ReusedConnectorClients, whose shared clients its adjustment would change', () => {
    const turns = new ReusedConnectorClients(new CountingAuthentication());
    expect(() => new ProactiveAuthentication(turns, new TeamsRateLimiter({ tenantPerSecond: 1000 }, Date.now), systemDeliveryClock)).toThrow(
      "wraps botbuilder's own authentication",
    );
  });

  it("one proactive client serves every tenant: each send spends its own tenant's budget", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end('{"id":"1"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const spent: string[] = [];
    class WatchedLimiter extends TeamsRateLimiter {
      override reserve(keys: { tenant: string; conversation?: string }): number {
        spent.push(keys.tenant);
        return super.reserve(keys);
      }
    }
    try {
      const auth = new ProactiveAuthentication(
        new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppType: 'MultiTenant' }),
        new WatchedLimiter({ tenantPerSecond: 1000 }, Date.now),
        systemDeliveryClock,
      );
      const send = (tenant: string, conversation: string) =>
        forTenant(tenant, async () => {
          const client = await auth.createConnectorFactory(identity('')).create(serviceUrl, CHANNEL);
          await client.conversations.sendToConversation(conversation, { type: 'message', text: 'hi' });
          return client;
        });
      const [a, b] = await Promise.all([send('tenant-a', 'a:1'), send('tenant-b', 'b:1')]);
      expect(b).toBe(a);
      expect(spent.sort()).toEqual(['tenant-a', 'tenant-b']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('proactive clients are adjusted once, when made: one rate-limit policy, no Azure retry policy, however many sends', async () => {
    const auth = new ProactiveAuthentication(
      new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppType: 'MultiTenant' }),
      new TeamsRateLimiter({ tenantPerSecond: 1000 }, Date.now),
      systemDeliveryClock,
    );
    const clients: ConnectorClient[] = [];
    for (let send = 0; send < 3; send++) clients.push(await auth.createConnectorFactory(identity('')).create(UK, CHANNEL));
    expect(new Set(clients).size).toBe(1);
    const policies = pipelineOf(clients[0] as ConnectorClient)
      .getOrderedPolicies()
      .map((p) => p.name);
    expect(policies.filter((name) => name === 'teamsRateLimitPolicy')).toHaveLength(1);
    expect(policies).not.toContain(AZURE_DEFAULT_RETRY_POLICY);
  });
});
