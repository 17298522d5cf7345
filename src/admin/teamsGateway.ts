import {
  CardFactory,
  MessageFactory,
  TurnContext,
  type CloudAdapter,
  type ConversationParameters,
  type ConversationReference,
} from 'botbuilder';
import type { CardJson } from '../cards/render';
import { forTenant } from '../delivery/proactiveConnector';
import type { TeamsGateway } from './welcomeDelivery';

/** The Bot Framework audience of the Teams channel (public cloud). */
const CHANNEL_AUDIENCE = 'https://api.botframework.com';

/**
 * TeamsGateway over botbuilder's CloudAdapter: proactive 1:1 chats and sends. Give it the proactive adapter
 * (ProactiveAuthentication: rate-limited, no Azure retry policy, and no onTurnError, which would swallow a
 * failed send and make it look delivered); calls spend the budget of the starter's tenant.
 */
export class CloudAdapterGateway implements TeamsGateway {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  async createPersonalConversation(
    target: { aadObjectId: string; tenantId: string; serviceUrl: string },
    card: CardJson,
  ): Promise<{ reference: Partial<ConversationReference> }> {
    const parameters = {
      isGroup: false,
      // Without an app id (local anonymous mode) there is no bot id to give; Teams itself always has one.
      ...(this.appId ? { bot: { id: `28:${this.appId}`, name: '' } } : {}),
      members: [{ id: target.aadObjectId, name: '' }],
      tenantId: target.tenantId,
      channelData: { tenant: { id: target.tenantId } },
      // Teams posts this as the chat's first message: the welcome costs one rate-limited call, not two.
      activity: MessageFactory.attachment(CardFactory.adaptiveCard(card)),
    } as unknown as ConversationParameters;
    let reference: Partial<ConversationReference> | undefined;
    await forTenant(target.tenantId, () => this.adapter.createConversationAsync(this.appId, 'msteams', target.serviceUrl, CHANNEL_AUDIENCE, parameters, async (context) => {
      const created = TurnContext.getConversationReference(context.activity);
      // Known by Entra object id only: the user's Teams id (29:…) arrives with their first message.
      const user = { id: target.aadObjectId, name: '', aadObjectId: target.aadObjectId, role: 'user' };
      reference = { ...created, user, conversation: { ...created.conversation, tenantId: target.tenantId, conversationType: 'personal' } as ConversationReference['conversation'] };
    }));
    if (!reference?.conversation?.id) throw new Error('Teams created no conversation');
    return { reference };
  }

  async sendCard(reference: Partial<ConversationReference>, card: CardJson): Promise<void> {
    const tenantId = (reference.conversation as { tenantId?: string } | undefined)?.tenantId ?? 'default';
    await forTenant(tenantId, () =>
      this.adapter.continueConversationAsync(this.appId, reference, async (context) => {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
      }),
    );
  }
}
