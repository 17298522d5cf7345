import { CardFactory, MessageFactory, TeamsActivityHandler, TeamsInfo, TurnContext, type InvokeResponse } from 'botbuilder';
import { z } from 'zod';
import type { AdminChat } from '../admin/adminChat';
import { parseCardAction } from '../cards/cardActions';
import type { CardJson } from '../cards/render';
import type { JourneyCards } from '../cards/views';
import { errorSummary } from '../errorSummary';
import type { JourneyFlow } from '../journey/journeyFlow';
import { loggable, type Logger } from '../log';
import { parseCommand } from '../routing/commands';
import type { Greeter } from '../routing/greeter';
import type { MessageRateLimit } from '../routing/messageRateLimit';
import type { RouteTable, Trigger } from '../routing/routes';
import type { ChatTurn } from '../routing/turn';
import { chatAddress, identify, MAX_NAME_LENGTH } from './identity';

/** Longest message the bot reads; anything longer is answered politely and not processed. */
const MAX_TEXT_LENGTH = 1000;

const adaptiveCardInvokeSchema = z.object({
  action: z.object({ type: z.literal('Action.Execute'), verb: z.string().max(64).optional(), data: z.unknown().optional() }),
  trigger: z.string().optional(),
});

export interface WelcomeBotDeps {
  readonly flow: JourneyFlow;
  /** Every route of the bot (src/routing/routes.ts). */
  readonly routes: RouteTable;
  /** First contact: welcomes, introductions, removal. */
  readonly greeter: Greeter;
  /** LA commands and cards; absent when no LA is configured (used for the quiet "is this an LA?" check). */
  readonly adminChat?: AdminChat | undefined;
  readonly cards: JourneyCards;
  readonly log: Logger;
  /** What the user is told when a change could not be saved (from copy.json). */
  readonly saveFailedText: string;
  /** What the user is told when they press buttons faster than a person would (from copy.json). */
  readonly slowDownText: string;
  /** Typed messages per user and minute. */
  readonly rateLimit: MessageRateLimit;
  /** Card button presses per user and minute (a separate, larger allowance: ticking a checklist is quick work). */
  readonly cardRateLimit: MessageRateLimit;
}

/**
 * The Teams edge of every turn: it reads the activity into a ChatTurn, runs the prelude (identify, remember,
 * rate-limit) and hands the trigger to the route table; the answer goes back as Teams expects it (a reply, a card
 * refreshed in place, or an invoke response). No decision about what a command or button means is made here.
 */
export class WelcomeBot extends TeamsActivityHandler {
  constructor(private readonly deps: WelcomeBotDeps) {
    super();
    this.onInstallationUpdateAdd(async (context, next) => {
      // botbuilder routes 'add-upgrade' here too: an app update is not a new user.
      if (context.activity.action === 'add') await this.route(context, { on: 'install' });
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.route(context, { on: 'uninstall' });
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient?.id);
      if (botAdded) await this.route(context, { on: 'install' });
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
    const unremembered = this.turnOf(context);
    if (!parsed.success || !unremembered) {
      return invokeError(400, 'BadRequest', 'The card action is not one this bot understands.');
    }
    try {
      const turn = await this.remembered(unremembered);
      // Over the limit: the card stays as it was and Teams shows the words; nothing is routed (or audited).
      if (this.take(this.deps.cardRateLimit, 'card', context, turn) !== 'ok') {
        return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: this.deps.slowDownText } };
      }
      const card = await this.cardAction(context, turn, parseCardAction(parsed.data.action.verb, parsed.data.action.data));
      return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } };
    } catch (error) {
      // The card stays as it was; Teams shows this message to the user instead of "Unable to reach app".
      this.deps.log.error({ event: 'card.actionFailed', err: errorSummary(error), activityId: loggable(context.activity.id) }, 'card action failed');
      return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: this.deps.saveFailedText } };
    }
  }

  /** The turn as the routes see it, or undefined when the activity lacks the ids Teams always sends. */
  private turnOf(context: TurnContext): ChatTurn | undefined {
    const who = identify(context.activity);
    if (!who) return undefined;
    const from = context.activity.from;
    return {
      user: who.user,
      scope: who.scope,
      sender: { teamsId: from.id, aadObjectId: from.aadObjectId, name: from.name?.slice(0, MAX_NAME_LENGTH) },
      address: chatAddress(context.activity),
      send: (card) => this.sendCard(context, card),
      memberAddress: () => this.memberAddress(context),
    };
  }

  /** An activity kind's route (install, uninstall): nothing to answer. */
  private async route(context: TurnContext, trigger: Trigger): Promise<void> {
    const turn = this.turnOf(context);
    if (turn) await this.deps.routes.run(turn, trigger, this.isLa);
  }

  private readonly isLa = async (turn: ChatTurn): Promise<boolean> => (await this.deps.adminChat?.isLa(turn)) !== undefined;

  /** The prelude's "remember": in the user's own chat, their record is saved if anything changed, and kept on the turn. */
  private async remembered(turn: ChatTurn): Promise<ChatTurn> {
    return turn.scope === 'personal' ? { ...turn, record: await this.deps.flow.remember(turn.user, turn.address) } : turn;
  }

  private async message(context: TurnContext): Promise<void> {
    const unremembered = this.turnOf(context);
    if (!unremembered) return;
    const turn = await this.remembered(unremembered);
    const value: unknown = context.activity.value;
    if (value !== undefined && value !== null && typeof value === 'object') {
      // Action.Submit (older clients): same data as Action.Execute; refresh the card in place when we can.
      const allowance = this.take(this.deps.cardRateLimit, 'card', context, turn);
      if (allowance !== 'ok') {
        if (allowance === 'limited') await this.sendCard(context, this.deps.cards.notice('slowDown'));
        return;
      }
      const data = value as Record<string, unknown>;
      await this.replaceOrSend(context, await this.cardAction(context, turn, parseCardAction(data.verb, data)));
      return;
    }
    const text = TurnContext.removeRecipientMention(context.activity)?.trim() ?? '';
    if (text === '') return;
    const allowance = this.take(this.deps.rateLimit, 'message', context, turn);
    if (allowance !== 'ok') {
      if (allowance === 'limited') await this.sendCard(context, this.deps.cards.notice('slowDown'));
      return;
    }
    if (text.length > MAX_TEXT_LENGTH) {
      await this.sendCard(context, this.deps.cards.notice('tooLong'));
      return;
    }
    const command = parseCommand(text);
    // A user whose install event never came is welcomed on first contact; that welcome is the answer to "start".
    if (turn.scope === 'personal' && (await this.deps.greeter.onMessage(turn)) && (command.kind === 'start' || command.kind === 'continue')) return;
    const routed = await this.deps.routes.run(turn, { on: 'command', command }, this.isLa);
    const card = routed ? routed.card : this.deps.cards.notice('personalOnly');
    if (card) await this.sendCard(context, card);
  }

  /**
   * The prelude's per-user limit, for typed messages and (a separate allowance) card buttons: every press is routed,
   * and an LA button from anyone else is audited, so a client pressing in a loop must not cost the store or the audit
   * trail more than a person could.
   */
  private take(limit: MessageRateLimit, what: 'message' | 'card', context: TurnContext, turn: ChatTurn): 'ok' | 'limited' | 'silent' {
    const allowance = limit.take(`${turn.user.tenantId}/${turn.user.userId}`);
    if (allowance !== 'ok') this.deps.log.warn({ event: `${what}.rateLimited`, activityId: loggable(context.activity.id) }, `user over the ${what} limit`);
    return allowance;
  }

  /** A card's button, from Action.Execute or Action.Submit: its route's card, which replaces the card it was on. */
  private async cardAction(context: TurnContext, turn: ChatTurn, action: ReturnType<typeof parseCardAction>): Promise<CardJson> {
    if (!action) {
      this.deps.log.info({ event: 'card.unknownData', activityId: loggable(context.activity.id) }, 'card data not understood');
      return this.deps.cards.notice('staleCard');
    }
    const routed = await this.deps.routes.run(turn, { on: 'card', action }, this.isLa);
    this.deps.log.info({ event: 'card.action', verb: action.verb, activityId: loggable(context.activity.id) }, 'card action');
    return routed?.card ?? this.deps.cards.notice('personalOnly');
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
