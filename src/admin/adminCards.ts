import type { CardJson, CardRenderer } from '../cards/render';
import { ukDate } from '../cards/views';
import type { Push, Recipient } from './pushes';

/** A starter as an LA sees them: delivery status and, once welcomed, their progress. */
export interface StarterView {
  readonly address: string;
  readonly pushId: string;
  readonly status: Recipient['status'];
  readonly reason?: string | undefined;
  readonly progress?: {
    readonly done: number;
    readonly total: number;
    readonly mustDoDone: number;
    readonly mustDoTotal: number;
    readonly lastSeen: string;
  };
}

/** Plain words for each status, shown on cards and in the tab. */
export const STATUS_TEXT: Readonly<Record<Recipient['status'], string>> = {
  sending: 'Sending…',
  delivered: 'Welcome delivered',
  alreadyWelcomed: 'Already had the welcome',
  waitingForInstall: 'Waiting for the app to install',
  pendingFirstContact: 'Waiting for them to open the bot',
  failed: 'Not delivered',
};

const MAX_PROBLEMS = 20;
const MAX_STARTERS = 30;

/** Renders the Local Administrator cards. */
export class AdminCards {
  constructor(
    private readonly renderer: CardRenderer,
    private readonly settings: { serviceName: string; allowedDomains: readonly string[]; maxBatch: number },
  ) {}

  /** The push form. */
  home(): CardJson {
    return this.renderer.render('la-home', {
      service: this.settings.serviceName,
      maxBatch: this.settings.maxBatch,
      domains: this.settings.allowedDomains.map((d) => `@${d}`).join(' or '),
    });
  }

  /** The summary of one push; refreshes for the LA whenever they look at it. */
  summary(push: Push, recipients: readonly Recipient[], laUserId: string | undefined): CardJson {
    const count = (status: Recipient['status']): number => recipients.filter((r) => r.status === status).length;
    const failed = recipients.filter((r) => r.status === 'failed');
    return this.renderer.render(
      'push-summary',
      {
        pushId: push.id,
        total: recipients.length,
        requestedOn: ukDate(push.createdAt),
        delivered: count('delivered'),
        alreadyWelcomed: count('alreadyWelcomed'),
        waitingForInstall: count('waitingForInstall'),
        pendingFirstContact: count('pendingFirstContact'),
        sending: count('sending'),
        failed: failed.length,
        problems: failed.slice(0, MAX_PROBLEMS).map((r) => ({ address: r.address, reason: r.reason ?? STATUS_TEXT.failed })),
        moreProblems: Math.max(0, failed.length - MAX_PROBLEMS),
        invalid: push.invalid.slice(0, MAX_PROBLEMS),
        otherDomain: push.otherDomain.slice(0, MAX_PROBLEMS),
        duplicates: push.duplicates,
      },
      laUserId ? { refreshFor: { userId: laUserId, data: { verb: 'pushStatus', pushId: push.id } } } : {},
    );
  }

  /** The LA's starters with their progress, most recent first. */
  starters(starters: readonly StarterView[]): CardJson {
    return this.renderer.render('starters', {
      starters: starters.slice(0, MAX_STARTERS).map((s) => ({
        address: s.address,
        statusText: s.reason ? `${STATUS_TEXT[s.status]}: ${s.reason}` : STATUS_TEXT[s.status],
        hasProgress: s.progress !== undefined,
        done: s.progress?.done ?? 0,
        total: s.progress?.total ?? 0,
        mustDoDone: s.progress?.mustDoDone ?? 0,
        mustDoTotal: s.progress?.mustDoTotal ?? 0,
        lastSeen: s.progress ? ukDate(s.progress.lastSeen) : '',
      })),
      more: Math.max(0, starters.length - MAX_STARTERS),
    });
  }
}
