import {
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type InvokeResponse,
} from 'botbuilder';
import { z } from 'zod';
import type { FirstContact } from '../admin/firstContact';
import { isAdminCardAction, parseCardAction, type CardAction } from '../cards/cardActions';
import type { CardJson } from '../cards/render';
import type { JourneyCards } from '../cards/views';
import type { Logger } from '../log';
import type { ChatAddress } from '../state/chatAddress';
import type { AtomicStorage } from '../state/storage';
import { keys } from '../state/keys';
import type { UserRef } from '../state/users';
import type { AdminChat } from './adminChat';
import { parseCommand, type Command } from '../routing/commands';
import { errorSummary } from '../errorSummary';
import { chatAddress, identify } from './identity';
import type { InstallWelcomes } from '../journey/installWelcomes';
import type { JourneyFlow } from '../journey/journeyFlow';
import type { MessageRateLimit } from '../routing/messageRateLimit';

/** Longest message the bot reads; anything longer is answered politely and not processed. */
const MAX_TEXT_LENGTH = 1000;

const adaptiveCardInvokeSchema = z.object({
  action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(64).optional(), data: z.unknown().optional() }),
  trigger: z.string().optional(),
});

export interface WelcomeBotDeps {
  readonly flow: JourneyFlow;
  /** LA commands and cards; absent when no LA is configured. */
  readonly adminChat?: AdminChat | undefined;
  /** Pending LA welcomes, matched at first contact. */
  readonly firstContact?: FirstContact | undefined;
  readonly cards: JourneyCards;
  readonly storage: AtomicStorage;
  readonly log: Logger;
  /** What the user is told when a change could not be saved (from copy.json). */
  readonly saveFailedText: string;
  readonly rateLimit: MessageRateLimit;
  /** Sends a user's own welcome in the turn when Teams has room, else through the delivery queue. */
  readonly installWelcomes: InstallWelcomes;
  /** Takes one slot of the tenant's Teams budget if one is free right now (for calls that can wait for a quieter time). */
  readonly takeSlotNow: (reference: ChatAddress) => boolean;
}

/**
 * Routing only: decides what an activity is and hands it to the journey flow. Install events welcome the
 * user once; typed text is a command or a question; card buttons arrive as adaptiveCard/action invokes
 * (Universal Actions) or, from older clients, as Action.Submit messages.
 */
export class WelcomeBot extends TeamsActivityHandler {
  constructor(private readonly deps: WelcomeBotDeps) {
    super();
    this.onInstallationUpdateAdd(async (context, next) => {
      // botbuilder routes 'add-upgrade' here too: an app update is not a new user.
      if (context.activity.action === 'add') await this.installed(context);
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      const who = identify(context.activity);
      if (who?.scope === 'personal') await this.deps.flow.uninstalled(who.user);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient?.id);
      if (botAdded) await this.installed(context);
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.message(context);
      await next();
    });
  }

  /** adaptiveCard/action is handled here in full (with zod), every other invoke goes to botbuilder (501 if unknown). */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const parsed = adaptiveCardInvokeSchema.safeParse(context.activity.value);
    const who = identify(context.activity);
    if (!parsed.success || !who) {
      return invokeError(400, 'BadRequest', 'The card action is not one this bot understands.');
    }
    const action = parseCardAction(parsed.data.action.verb, parsed.data.action.data);
    try {
      const card = await this.cardResponse(context, who.user, who.scope, action);
      return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } };
    } catch (error) {
      // The card stays as it was; Teams shows this message to the user instead of "Unable to reach app".
      this.deps.log.error({ event: 'card.actionFailed', err: errorSummary(error), activityId: context.activity.id }, 'card action failed');
      return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: this.deps.saveFailedText } };
    }
  }

  private async installed(context: TurnContext): Promise<void> {
    const who = identify(context.activity);
    if (!who) return;
    if (who.scope === 'shared') {
      await this.introduceOnce(context);
      return;
    }
    await this.deps.flow.remember(who.user, chatAddress(context.activity));
    // Only on the install that welcomed them, and only when Teams had room for the welcome in this turn: the LA
    // check then costs nothing on repeated install events, and a busy rollout is not sent more than it must.
    if ((await this.welcomeOnce(context, who.user)) === 'sent') await this.introduceLaOnce(context, who.user);
  }

  /**
   * A Local Administrator's first contact (the install or first message that welcomed them) also brings the LA help
   * card, once: it lists their commands and the New starters tab. Only checked then, so it costs nothing per message.
   */
  private async introduceLaOnce(context: TurnContext, user: UserRef): Promise<void> {
    const adminChat = this.deps.adminChat;
    if (!adminChat || !user.aadObjectId) return;
    if (!(await adminChat.isLa(context, user.tenantId))) return;
    const first = await this.deps.storage.createIfAbsent(keys.laIntroduced(user.tenantId, user.aadObjectId), { introducedAt: new Date().toISOString() });
    if (first) await this.sendCard(context, this.deps.cards.help({ la: true }));
  }

  /**
   * Welcomes the user unless they already had it (install events come in pairs, repeated, in any order): at once
   * when Teams has room, else through the delivery queue. Says whether a welcome was sent or queued now.
   */
  private async welcomeOnce(context: TurnContext, user: UserRef): Promise<'sent' | 'queued' | undefined> {
    const firstContact = this.deps.firstContact;
    let address: string | undefined;
    let lookedUp = false;
    const lookupAddress = async (): Promise<string | undefined> => {
      if (!lookedUp) address = await this.memberAddress(context);
      lookedUp = true;
      return address;
    };
    const record = await this.deps.flow.record(user);
    if (record?.welcome.sentAt !== undefined) return undefined;
    const pending = firstContact ? await firstContact.pendingFor(user.tenantId, user.aadObjectId, lookupAddress) : undefined;
    const reference = chatAddress(context.activity);
    const outcome = await this.deps.installWelcomes.welcome(user, reference, pending);
    // Learn the address once, so an LA's later push (or status) finds this user without Graph. It costs a Teams
    // call, so during a rollout (no slot free in the tenant's budget) it is left out rather than slow the welcomes.
    if (outcome === 'sent' && firstContact && user.aadObjectId && (lookedUp || this.deps.takeSlotNow(reference))) {
      const learnt = await lookupAddress();
      if (learnt) {
        await firstContact.learnAddress(user.tenantId, user.aadObjectId, learnt);
        await this.deps.flow.learnAddress(user, learnt.toLowerCase());
      }
    }
    return outcome === 'sent' || outcome === 'queued' ? outcome : undefined;
  }

  /** The user's UPN from Teams (one member look-up), or undefined if Teams will not say. */
  private async memberAddress(context: TurnContext): Promise<string | undefined> {
    try {
      const member = await TeamsInfo.getMember(context, context.activity.from.id);
      return member.userPrincipalName ?? member.email ?? undefined;
    } catch (error) {
      this.deps.log.warn({ event: 'member.lookupFailed', err: errorSummary(error) }, 'could not look the member up');
      return undefined;
    }
  }

  /** In a team or group chat the bot introduces itself once and points people to the personal chat. */
  private async introduceOnce(context: TurnContext): Promise<void> {
    const key = keys.groupIntro(context.activity.channelId, context.activity.conversation.id);
    const first = await this.deps.storage.createIfAbsent(key, { introducedAt: new Date().toISOString() });
    if (first) await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(this.deps.cards.groupIntro())));
  }

  private async message(context: TurnContext): Promise<void> {
    const who = identify(context.activity);
    if (!who) return;
    const value: unknown = context.activity.value;
    if (who.scope === 'personal') {
      await this.deps.flow.remember(who.user, chatAddress(context.activity));
    }
    if (value !== undefined && value !== null && typeof value === 'object') {
      // Action.Submit (older clients): same data as Action.Execute; refresh the card in place when we can.
      const record = value as Record<string, unknown>;
      const card = await this.cardResponse(context, who.user, who.scope, parseCardAction(record.verb, record));
      await this.replaceOrSend(context, card);
      return;
    }
    const text = TurnContext.removeRecipientMention(context.activity)?.trim() ?? '';
    if (text === '') return;
    const allowance = this.deps.rateLimit.take(`${who.user.tenantId}/${who.user.userId}`);
    if (allowance !== 'ok') {
      this.deps.log.warn({ event: 'message.rateLimited', activityId: context.activity.id }, 'user over the message limit');
      if (allowance === 'limited') await this.sendCard(context, this.deps.cards.notice('slowDown'));
      return;
    }
    if (text.length > MAX_TEXT_LENGTH) {
      await this.sendCard(context, this.deps.cards.notice('tooLong'));
      return;
    }
    const command = parseCommand(text);
    if (who.scope === 'shared') {
      const card =
        command.kind === 'question'
          ? await this.deps.flow.command(who.user, command, 'shared')
          : command.kind === 'help'
            ? this.deps.cards.groupIntro()
            : this.deps.cards.notice('personalOnly');
      await this.sendCard(context, card);
      return;
    }
    // A user whose install event never came (or came before a reinstall) is welcomed on first contact. A welcome
    // sent or queued now is the answer to "start".
    const welcomedNow = (await this.welcomeOnce(context, who.user)) !== undefined;
    if (welcomedNow) await this.introduceLaOnce(context, who.user);
    if (welcomedNow && (command.kind === 'start' || command.kind === 'continue')) return;
    await this.sendCard(context, await this.personalCommand(context, who.user, command));
  }

  /** LA commands go to the admin module; for anyone else "welcome" and "status" keep their journey meaning. */
  private async personalCommand(context: TurnContext, user: UserRef, command: Command): Promise<CardJson> {
    const adminChat = this.deps.adminChat;
    switch (command.kind) {
      case 'push':
        return adminChat ? adminChat.push(context, user.tenantId, command.addresses) : this.deps.cards.notice('notLocalAdministrator');
      case 'laHome':
        if (adminChat && (await adminChat.isLa(context, user.tenantId))) return adminChat.cardAction(context, user.tenantId, { verb: 'laHome' });
        return this.deps.flow.command(user, { kind: 'continue' });
      case 'status':
        if (adminChat && (await adminChat.isLa(context, user.tenantId))) return adminChat.cardAction(context, user.tenantId, { verb: 'laStatus', push: undefined, progress: command.progress });
        return this.deps.flow.command(user, { kind: 'status' });
      case 'help':
        return (await adminChat?.help(context, user.tenantId)) ?? this.deps.flow.command(user, command);
      default:
        return this.deps.flow.command(user, command);
    }
  }

  private async cardResponse(
    context: TurnContext,
    user: UserRef,
    scope: 'personal' | 'shared',
    action: CardAction | undefined,
  ): Promise<CardJson> {
    if (!action) {
      this.deps.log.info({ event: 'card.unknownData', activityId: context.activity.id }, 'card data not understood');
      return this.deps.cards.notice('staleCard');
    }
    if (scope === 'shared' && action.verb !== 'answer' && action.verb !== 'help') return this.deps.cards.notice('personalOnly');
    let card: CardJson;
    if (isAdminCardAction(action)) {
      card = this.deps.adminChat
        ? await this.deps.adminChat.cardAction(context, user.tenantId, action)
        : this.deps.cards.notice('notLocalAdministrator');
    } else if (action.verb === 'help' && scope === 'personal' && this.deps.adminChat) {
      card = (await this.deps.adminChat.help(context, user.tenantId)) ?? (await this.deps.flow.cardAction(user, action));
    } else {
      card = await this.deps.flow.cardAction(user, action, scope);
    }
    this.deps.log.info({ event: 'card.action', verb: action.verb, activityId: context.activity.id }, 'card action');
    return card;
  }

  private async replaceOrSend(context: TurnContext, card: CardJson): Promise<void> {
    const replyToId = context.activity.replyToId;
    if (replyToId) {
      try {
        const update = MessageFactory.attachment(CardFactory.adaptiveCard(card));
        update.id = replyToId;
        await context.updateActivity(update);
        return;
      } catch (error) {
        this.deps.log.warn({ event: 'card.updateFailed', err: errorSummary(error) }, 'could not update card; sending a new one');
      }
    }
    await this.sendCard(context, card);
  }

  private async sendCard(context: TurnContext, card: CardJson): Promise<void> {
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }
}

/** An invoke error in the shape Teams expects (application/vnd.microsoft.error). */
function invokeError(status: number, code: string, message: string): InvokeResponse {
  return { status, body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code, message } } };
}


