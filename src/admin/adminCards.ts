import type { CardJson, CardRenderer } from '../cards/render';
import { ukDate } from '../cards/views';
import type { ProgressFilter, StarterFilter } from './intake';
import { RESENDABLE, type Push, type Recipient } from './pushes';

/** A starter as an LA sees them: delivery status and, once welcomed, their progress. */
export interface StarterView {
  readonly address: string;
  readonly pushId: string;
  readonly status: Recipient['status'];
  readonly reason?: string | undefined;
  /** When the starter's first welcome was sent (whoever sent it). */
  readonly sentAt?: string | undefined;
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

/** Plain words for each stage of progress an LA filters by (the card's choices say the same). */
export const PROGRESS_TEXT: Readonly<Record<ProgressFilter, string>> = {
  notStarted: 'not started',
  mustDoOutstanding: 'must-do actions outstanding',
  finished: 'finished (every must-do action done)',
};

/** How the filter choices name a push: when it was sent and to how many. */
export function pushTitle(push: Push): string {
  return `${ukDate(push.createdAt)}: ${push.addresses.length} ${push.addresses.length === 1 ? 'starter' : 'starters'}`;
}

const MAX_PROBLEMS = 20;
/** Pushes offered in the filter (the LA's recent pushes are kept to 20). */
const MAX_PUSH_CHOICES = 20;
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

  /**
   * The summary of one push; refreshes for the LA whenever they look at it. `resent`: how many starters a resend
   * just queued again (the card says so), when it answers one.
   */
  summary(push: Push, recipients: readonly Recipient[], laUserId: string | undefined, resent?: number): CardJson {
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
        notReached: recipients.filter((r) => RESENDABLE.has(r.status)).length,
        resent: resent ?? -1,
      },
      laUserId ? { refreshFor: { userId: laUserId, data: { verb: 'pushStatus', pushId: push.id } } } : {},
    );
  }

  /**
   * The LA's starters with their progress, most recent first; with the push and progress filters (as chosen) and,
   * when the tab can be linked to, a button that opens the New starters tab to download the CSV.
   */
  starters(starters: readonly StarterView[], view: { pushes?: readonly Push[]; filter?: StarterFilter; exportUrl?: string | undefined } = {}): CardJson {
    const filter = view.filter ?? {};
    const pushes = (view.pushes ?? []).slice(0, MAX_PUSH_CHOICES);
    const chosen = pushes.find((p) => p.id === filter.pushId);
    const filterText = [chosen ? `the push of ${pushTitle(chosen)}` : '', filter.progress ? PROGRESS_TEXT[filter.progress] : '']
      .filter((t) => t !== '')
      .join(', ');
    return this.renderer.render('starters', {
      pushes: pushes.map((p) => ({ id: p.id, title: pushTitle(p) })),
      push: chosen?.id ?? 'all',
      progress: filter.progress ?? 'all',
      filtered: filterText !== '',
      filterText,
      exportUrl: view.exportUrl ?? '',
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
