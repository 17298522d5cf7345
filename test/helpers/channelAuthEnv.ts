import type { IdentityEmulator } from './identityEmulator';

/**
 * The bot's Bot Framework settings for production-style channel authentication against the identity emulator:
 * channel tokens signed by its keys, outbound tokens from its login URL. The emulator path is pointed at the same
 * keys on purpose, so an emulator-shaped token would take exactly the path the bot must refuse.
 */
export function channelAuthEnv(identity: IdentityEmulator, appId: string, tenantId: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    MicrosoftAppId: appId,
    MicrosoftAppPassword: 'not-used-the-test-supplies-credentials',
    MicrosoftAppTenantId: tenantId,
    ToBotFromChannelOpenIdMetadataUrl: identity.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: identity.issuer,
    ToBotFromEmulatorOpenIdMetadataUrl: identity.openIdMetadataUrl,
    ToChannelFromBotLoginUrl: `${identity.url}/botframework.com`,
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    OAuthUrl: `${identity.url}/oauth`,
    CallerId: 'urn:botframework:azure',
    ValidateAuthority: 'true',
    GRAPH_ENABLED: 'false',
    // Production allows only Teams' own service hosts; the emulator answers on loopback.
    ALLOWED_SERVICE_URL_HOSTS: '127.0.0.1',
  };
}
