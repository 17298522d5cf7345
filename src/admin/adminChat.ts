import type { AdminCardAction } from '../cards/cardActions';
import type { CardJson } from '../cards/render';
import type { JourneyCards } from '../cards/views';
import type { Logger } from '../log';
import type { ChatTurn } from '../routing/turn';
import type { AdminCards } from './adminCards';
import type { AdminService, LaRequester } from './adminService';
import type { StarterFilter } from './intake';
import { startersTabLink } from './tabLink';

/** LA commands and cards in chat: what an LA's typed command or button does. Knows the turn, not the SDK. */
export class AdminChat {
  constructor(
    private readonly admin: AdminService,
    private readonly adminCards: AdminCards,
    private readonly cards: JourneyCards,
    private readonly log: Logger,
    /** The app's id for deep links to the New starters tab (catalogue id, else manifest id); none: no export button. */
    private readonly tabAppId?: string | undefined,
  ) {}

  /** The requester of a turn: the Entra object id the authenticated activity carries (name capped by the edge). */
  requester(turn: ChatTurn): LaRequester | undefined {
    const { aadObjectId, name } = turn.sender;
    if (!aadObjectId) return undefined;
    return { aadObjectId, name: name || 'Your Local Administrator', tenantId: turn.user.tenantId, kind: 'user' as const };
  }

  /** True when the turn's user is an LA (no audit: used to choose between LA and starter meanings). */
  async isLa(turn: ChatTurn): Promise<LaRequester | undefined> {
    const requester = this.requester(turn);
    if (!requester) return undefined;
    return (await this.admin.authoriseQuietly(requester)) ? requester : undefined;
  }

  /** The help card for an LA (their commands and the tab), or undefined for anyone else. */
  async help(turn: ChatTurn): Promise<CardJson | undefined> {
    return (await this.isLa(turn)) ? this.cards.help({ la: true }) : undefined;
  }

  /** "welcome a@nhs.net, b@nhs.net": push and answer with the summary card. */
  async push(turn: ChatTurn, addresses: string): Promise<CardJson> {
    const requester = this.requester(turn);
    const tenantId = turn.user.tenantId;
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
        return this.adminCards.summary(outcome.push, found?.recipients ?? [], turn.sender.teamsId);
      }
    }
  }

  /** The LA's starters, filtered, with the filter choices and the export link (already authorised). */
  private async status(requester: LaRequester, filter: StarterFilter): Promise<CardJson> {
    const { starters, pushes } = await this.admin.startersAndPushes(requester, filter);
    return this.adminCards.starters(starters, { pushes, filter, exportUrl: startersTabLink(this.tabAppId, filter) });
  }

  /** The requester when the LA policy allows this LA button or command; a refusal is audited. */
  private async authorised(turn: ChatTurn, verb: Exclude<AdminCardAction['verb'], 'push'>): Promise<LaRequester | undefined> {
    const requester = this.requester(turn);
    return requester && (await this.admin.authorise(requester, 'chat', verb)) ? requester : undefined;
  }

  /** "welcome" or "new starters" from an LA, and the button back to it: the LA's home card. */
  async home(turn: ChatTurn): Promise<CardJson> {
    if (!(await this.authorised(turn, 'laHome'))) return this.cards.notice('notLocalAdministrator');
    return this.adminCards.home();
  }

  /** An LA's "status [not started | must-do | finished]", and the filter buttons: their starters. */
  async starters(turn: ChatTurn, filter: StarterFilter): Promise<CardJson> {
    const requester = await this.authorised(turn, 'laStatus');
    if (!requester) return this.cards.notice('notLocalAdministrator');
    return this.status(requester, filter);
  }

  /** "Refresh" on a push summary: the push as it stands, for the LA who made it. */
  async pushStatus(turn: ChatTurn, pushId: string): Promise<CardJson> {
    const requester = await this.authorised(turn, 'pushStatus');
    if (!requester) return this.cards.notice('notLocalAdministrator');
    const found = await this.admin.pushWithRecipients(turn.user.tenantId, pushId);
    if (!found || found.push.la.aadObjectId !== requester.aadObjectId) return this.cards.notice('staleCard');
    return this.adminCards.summary(found.push, found.recipients, turn.sender.teamsId);
  }

  /** "Resend" on a push summary: the LA's own failed or pending starters, queued again. */
  async resend(turn: ChatTurn, pushId: string): Promise<CardJson> {
    const requester = await this.authorised(turn, 'pushResend');
    if (!requester) return this.cards.notice('notLocalAdministrator');
    const outcome = await this.admin.resend(requester, pushId, 'chat');
    if (outcome.kind !== 'queued') return this.cards.notice(outcome.kind === 'refused' ? 'notLocalAdministrator' : 'staleCard');
    this.log.info({ event: 'admin.resend', pushId, count: outcome.addresses.length, via: 'chat' }, 'resend queued');
    const found = await this.admin.pushWithRecipients(turn.user.tenantId, pushId);
    return this.adminCards.summary(outcome.push, found?.recipients ?? [], turn.sender.teamsId, outcome.addresses.length);
  }
}
