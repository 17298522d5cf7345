import type { TurnContext } from 'botbuilder';
import type { AdminCards } from '../admin/adminCards';
import type { AdminService, LaRequester } from '../admin/adminService';
import type { StarterFilter } from '../admin/intake';
import { startersTabLink } from '../admin/tabLink';
import type { AdminCardAction } from '../cards/cardActions';
import type { CardJson } from '../cards/render';
import type { JourneyCards } from '../cards/views';
import type { Logger } from '../log';
import { errorSummary } from '../errorSummary';
import { MAX_NAME_LENGTH } from './identity';

/** LA commands and cards in chat: the Teams side of the admin module. */
export class AdminChat {
  constructor(
    private readonly admin: AdminService,
    private readonly adminCards: AdminCards,
    private readonly cards: JourneyCards,
    private readonly log: Logger,
    /** The app's id for deep links to the New starters tab (catalogue id, else manifest id); none: no export button. */
    private readonly tabAppId?: string | undefined,
  ) {}

  /** The requester of a turn: the Entra object id the authenticated activity carries. */
  requester(context: TurnContext, tenantId: string): Promise<LaRequester | undefined> {
    const from = context.activity.from;
    if (!from?.aadObjectId) return Promise.resolve(undefined);
    return Promise.resolve({ aadObjectId: from.aadObjectId, name: (from.name ?? 'Your Local Administrator').slice(0, MAX_NAME_LENGTH), tenantId, kind: 'user' as const });
  }

  /** True when the turn's user is an LA (no audit: used to choose between LA and starter meanings). */
  async isLa(context: TurnContext, tenantId: string): Promise<LaRequester | undefined> {
    const requester = await this.requester(context, tenantId);
    if (!requester) return undefined;
    return (await this.admin.authoriseQuietly(requester)) ? requester : undefined;
  }

  /** The help card for an LA (their commands and the tab), or undefined for anyone else. */
  async help(context: TurnContext, tenantId: string): Promise<CardJson | undefined> {
    return (await this.isLa(context, tenantId)) ? this.cards.help({ la: true }) : undefined;
  }

  /** "welcome a@nhs.net, b@nhs.net": push and answer with the summary card. */
  async push(context: TurnContext, tenantId: string, addresses: string): Promise<CardJson> {
    const requester = await this.requester(context, tenantId);
    if (!requester) return this.cards.notice('notLocalAdministrator');
    const outcome = await this.admin.push(requester, addresses, 'chat');
    switch (outcome.kind) {
      case 'refused':
        return this.cards.notice('notLocalAdministrator');
      case 'tooMany':
        return this.cards.notice('pushTooMany');
      case 'nothingValid':
        return this.cards.notice('pushNothingValid');
      case 'queued': {
        const found = await this.admin.pushWithRecipients(tenantId, outcome.push.id);
        return this.adminCards.summary(outcome.push, found?.recipients ?? [], context.activity.from.id);
      }
    }
  }

  /** The LA's starters, filtered, with the filter choices and the export link (already authorised). */
  private async status(requester: LaRequester, filter: StarterFilter): Promise<CardJson> {
    const [starters, pushes] = await Promise.all([this.admin.starters(requester, filter), this.admin.recentPushes(requester)]);
    return this.adminCards.starters(starters, { pushes, filter, exportUrl: startersTabLink(this.tabAppId, filter) });
  }

  /** A button on an LA card. Every one of them checks the LA policy first. */
  async cardAction(context: TurnContext, tenantId: string, action: AdminCardAction): Promise<CardJson> {
    if (action.verb === 'push') return this.push(context, tenantId, action.addresses);
    const requester = await this.requester(context, tenantId);
    if (!requester || !(await this.admin.authorise(requester, 'chat', action.verb))) return this.cards.notice('notLocalAdministrator');
    switch (action.verb) {
      case 'laHome':
        return this.adminCards.home();
      case 'laStatus':
        return this.status(requester, { pushId: action.push, progress: action.progress });
      case 'pushStatus': {
        const found = await this.admin.pushWithRecipients(tenantId, action.pushId);
        if (!found || found.push.la.aadObjectId !== requester.aadObjectId) return this.cards.notice('staleCard');
        return this.adminCards.summary(found.push, found.recipients, context.activity.from.id);
      }
      case 'pushResend': {
        const outcome = await this.admin.resend(requester, action.pushId, 'chat');
        if (outcome.kind !== 'queued') return this.cards.notice(outcome.kind === 'refused' ? 'notLocalAdministrator' : 'staleCard');
        this.log.info({ event: 'admin.resend', pushId: action.pushId, count: outcome.addresses.length, via: 'chat' }, 'resend queued');
        const found = await this.admin.pushWithRecipients(tenantId, action.pushId);
        return this.adminCards.summary(outcome.push, found?.recipients ?? [], context.activity.from.id, outcome.addresses.length);
      }
    }
  }
}
