import { CardFactory, MessageFactory, type CloudAdapter, type ConversationParameters, type ConversationReference } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, type BotFrameworkAuthentication } from 'botframework-connector';
import type { CardJson } from '../cards/render';
import { addressTenant, type ChatAddress } from '../state/chatAddress';
import { TEAMS_CHANNEL } from '../state/users';
import { forTenant } from './proactiveConnector';
import { callingTeams } from './channelErrors';
import type { TeamsGateway } from '../admin/welcomeDelivery';

/** The Bot Framework audience of the Teams channel (public cloud). */
const CHANNEL_AUDIENCE = 'https://api.botframework.com';

/**
 * TeamsGateway over botbuilder: proactive 1:1 chats and sends. Give it the proactive adapter and its
 * authentication (ProactiveAuthentication: rate-limited, no Azure retry policy, and no onTurnError, which would
 * swallow a failed send and make it look delivered); calls spend the budget of the starter's tenant.
 */
export class CloudAdapterGateway implements TeamsGateway {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly auth: BotFrameworkAuthentication,
    private readonly appId: string,
  ) {}

  async createPersonalConversation(target: { aadObjectId: string; tenantId: string; serviceUrl: string }, card: CardJson): Promise<{ reference: ChatAddress }> {
    const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
    const parameters = {
      isGroup: false,
      // Without an app id (local anonymous mode) there is no bot id to give; Teams itself always has one.
      ...(this.appId ? { bot: { id: `28:${this.appId}`, name: '' } } : {}),
      members: [{ id: target.aadObjectId, name: '' }],
      tenantId: target.tenantId,
      channelData: { tenant: { id: target.tenantId } },
      // Teams posts this as the chat's first message and answers with its activityId: one call, not two.
      activity,
    } as unknown as ConversationParameters;
    // botbuilder's createConversationAsync drops the response's activityId, so the connector is called directly
    // (the same client the proactive adapter would use).
    const identity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: this.appId },
      { type: AuthenticationConstants.AppIdClaim, value: this.appId },
      { type: AuthenticationConstants.ServiceUrlClaim, value: target.serviceUrl },
    ]);
    const client = await this.auth.createConnectorFactory(identity).create(target.serviceUrl, CHANNEL_AUDIENCE);
    const created = await forTenant(target.tenantId, () => callingTeams(() => client.conversations.createConversation(parameters)));
    if (!created.id) throw new Error('Teams created no conversation');
    const reference: ChatAddress = {
      channelId: TEAMS_CHANNEL,
      serviceUrl: created.serviceUrl || target.serviceUrl,
      ...(this.appId ? { bot: { id: `28:${this.appId}`, name: '' } } : {}),
      // Known by Entra object id only: the user's Teams id (29:…) arrives with their first message.
      user: { id: target.aadObjectId, name: '', aadObjectId: target.aadObjectId, role: 'user' },
      conversation: { id: created.id, isGroup: false, tenantId: target.tenantId, conversationType: 'personal' },
    };
    // No activityId: Teams opened (or found) the chat without posting the card, so post it now.
    if (!created.activityId) await this.sendCard(reference, card);
    return { reference };
  }

  async sendCard(address: ChatAddress, card: CardJson): Promise<void> {
    // ChatAddress has the JSON shape of botbuilder's ConversationReference (src/state/chatAddress.ts).
    const reference = address as Partial<ConversationReference>;
    await forTenant(addressTenant(address), () =>
      callingTeams(() =>
        this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
          await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
        }),
      ),
    );
  }
}
