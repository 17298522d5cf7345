import {
  CardFactory,
  MessageFactory,
  TeamsInfo,
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

  async createPersonalConversation(target: { aadObjectId: string; tenantId: string; serviceUrl: string }): Promise<{
    reference: Partial<ConversationReference>;
    userId: string;
  }> {
    const parameters = {
      isGroup: false,
      // Without an app id (local anonymous mode) there is no bot id to give; Teams itself always has one.
      ...(this.appId ? { bot: { id: `28:${this.appId}`, name: '' } } : {}),
      members: [{ id: target.aadObjectId, name: '' }],
      tenantId: target.tenantId,
      channelData: { tenant: { id: target.tenantId } },
    } as unknown as ConversationParameters;
    let result: { reference: Partial<ConversationReference>; userId: string } | undefined;
    await forTenant(target.tenantId, () => this.adapter.createConversationAsync(this.appId, 'msteams', target.serviceUrl, CHANNEL_AUDIENCE, parameters, async (context) => {
      const reference = TurnContext.getConversationReference(context.activity);
      // The chat is created with the Entra object id; turns from the user carry their Teams id (29:…), which keys their state.
      const member = await TeamsInfo.getMember(context, target.aadObjectId);
      const user = { id: member.id, name: member.name, aadObjectId: target.aadObjectId, role: 'user' };
      result = {
        reference: { ...reference, user, conversation: { ...reference.conversation, tenantId: target.tenantId, conversationType: 'personal' } as ConversationReference['conversation'] },
        userId: member.id,
      };
    }));
    if (!result) throw new Error('Teams created no conversation');
    return result;
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
