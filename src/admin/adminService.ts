import type { Content } from '../content/load';
import { summarise } from '../journey/progress';
import { userRefOf, type UserStore } from '../state/users';
import { parseAddresses } from './addresses';
import { STATUS_TEXT, type AdminCards, type StarterView } from './adminCards';
import type { AuditEvent, AuditTrail } from './audit';
import { byProgress, startersCsv, type StarterFilter } from './intake';
import type { LocalAdministratorPolicy, Requester } from './policy';
import { RESENDABLE, type Push, type PushStore, type Recipient } from './pushes';
import type { DeliveryResult, StarterJob } from './welcomeDelivery';

const OUTCOME_EVENT: Readonly<Record<DeliveryResult['status'], AuditEvent>> = {
  delivered: 'delivery.delivered',
  alreadyWelcomed: 'delivery.alreadyWelcomed',
  waitingForInstall: 'delivery.waitingForInstall',
  pendingFirstContact: 'delivery.pendingFirstContact',
  failed: 'delivery.failed',
};

/** How the audit trail names a caller with an app-only token: an application, not a Local Administrator. */
export const APP_ONLY_CALLER = 'App-only caller (no signed-in user)';

/** The app role an automation's app-only token needs for the LA API (docs/teams-app.md). */
export const AUTOMATION_ROLE = 'Starters.Welcome';

/** A Local Administrator making a request, as the chat or the API identifies them. */
export interface LaRequester extends Requester {
  readonly name: string;
  readonly tenantId: string;
  /** A person (chat, or a delegated token), or an automation with an app-only token. */
  readonly kind: 'user' | 'app';
  /** App roles of an app-only token. */
  readonly roles?: readonly string[] | undefined;
}

/** What a push request came to. */
export type PushOutcome =
  | { readonly kind: 'refused' }
  | { readonly kind: 'nothingValid'; readonly invalid: readonly string[]; readonly otherDomain: readonly string[] }
  | { readonly kind: 'tooMany'; readonly count: number; readonly maxBatch: number }
  | { readonly kind: 'queued'; readonly push: Push };

/** What a resend request came to. */
export type ResendOutcome =
  { readonly kind: 'refused' } | { readonly kind: 'notFound' } | { readonly kind: 'queued'; readonly push: Push; readonly addresses: readonly string[] };

/** One of an LA's pushes, with how many of its starters the welcome has not reached (those "Resend" would send to). */
export interface PushReach {
  readonly push: Push;
  readonly notReached: number;
}

/** Why a starter of a resend is "failed" when the resend could not be queued (the LA may press resend again). */
const RESEND_NOT_QUEUED = 'The resend could not be queued; try again.';

export interface AdminSettings {
  readonly allowedDomains: readonly string[];
  readonly maxBatch: number;
}

/** LA requests: who may, pushing a batch, and following starters. Transport-free: chat and API both call it. */
export class AdminService {
  constructor(
    private readonly deps: {
      readonly policy: LocalAdministratorPolicy;
      readonly pushes: PushStore;
      readonly audit: AuditTrail;
      readonly users: UserStore;
      readonly content: Content;
      readonly cards: AdminCards;
      readonly settings: AdminSettings;
      /** Hands the starters to the delivery queue. */
      readonly enqueue: (jobs: StarterJob[]) => Promise<void>;
      readonly now: () => Date;
    },
  ) {}

  /** Whether the requester is an LA; a refusal is audited. */
  async authorise(requester: LaRequester, via: 'chat' | 'api' | 'tab', what: string): Promise<boolean> {
    // An automation needs the app role granted to it, and its own object id among the LAs.
    const roleOk = requester.kind === 'user' || (requester.roles ?? []).includes(AUTOMATION_ROLE);
    if (roleOk && (await this.deps.policy.isLocalAdministrator(requester))) return true;
    await this.deps.audit.append({
      at: this.deps.now().toISOString(),
      event: 'push.refused',
      by: requester.aadObjectId,
      byName: requester.kind === 'app' ? APP_ONLY_CALLER : requester.name,
      via,
      detail: requester.kind === 'app' ? `${what} (app-only token)` : what,
    });
    return false;
  }

  /** Whether the requester is an LA, without auditing (to choose what an ambiguous command means). */
  authoriseQuietly(requester: LaRequester): Promise<boolean> {
    if (requester.kind === 'app' && !(requester.roles ?? []).includes(AUTOMATION_ROLE)) return Promise.resolve(false);
    return this.deps.policy.isLocalAdministrator(requester);
  }

  /** Validates addresses, records the push, audits it and queues one delivery per starter. */
  async push(requester: LaRequester, input: string | readonly string[], via: 'chat' | 'api' | 'tab'): Promise<PushOutcome> {
    if (!(await this.authorise(requester, via, 'push'))) return { kind: 'refused' };
    const text = typeof input === 'string' ? input : input.join('\n');
    const parsed = parseAddresses(text, this.deps.settings);
    if (parsed.overLimit) return { kind: 'tooMany', count: parsed.addresses.length, maxBatch: this.deps.settings.maxBatch };
    if (parsed.addresses.length === 0) return { kind: 'nothingValid', invalid: parsed.invalid, otherDomain: parsed.otherDomain };
    const now = this.deps.now();
    const push = await this.deps.pushes.create(
      {
        tenantId: requester.tenantId,
        la: { aadObjectId: requester.aadObjectId, name: requester.name },
        createdAt: now.toISOString(),
        via,
        addresses: parsed.addresses,
        invalid: parsed.invalid,
        otherDomain: parsed.otherDomain,
        duplicates: parsed.duplicates,
      },
      now,
    );
    await this.deps.audit.append({
      at: now.toISOString(),
      event: 'push.requested',
      by: requester.aadObjectId,
      byName: requester.name,
      pushId: push.id,
      via,
      detail: `${parsed.addresses.length} starters`,
    });
    await this.deps.enqueue(parsed.addresses.map((address) => ({ pushId: push.id, address, tenantId: requester.tenantId, la: push.la })));
    return { kind: 'queued', push };
  }

  /** Records where a starter's welcome ended up, and audits it. */
  async recordOutcome(job: StarterJob, recipient: DeliveryResult, event: AuditEvent = OUTCOME_EVENT[recipient.status]): Promise<void> {
    const at = this.deps.now().toISOString();
    await this.deps.pushes.setRecipient(job.pushId, { ...recipient, address: job.address, updatedAt: at });
    await this.deps.audit.append({
      at,
      event,
      by: job.la.aadObjectId,
      byName: job.la.name,
      starter: job.address,
      pushId: job.pushId,
      outcome: recipient.status,
      detail: recipient.reason,
    });
  }

  /** A push and its recipients, if it belongs to the requester's tenant. */
  async pushWithRecipients(tenantId: string, pushId: string): Promise<{ push: Push; recipients: Recipient[] } | undefined> {
    const push = await this.deps.pushes.get(pushId);
    if (!push || push.tenantId !== tenantId) return undefined;
    return { push, recipients: await this.deps.pushes.recipients(push) };
  }

  /** The push if the requester may see it: their own (the same rule as its summary card). */
  private async ownPush(requester: LaRequester, pushId: string): Promise<{ push: Push; recipients: Recipient[] } | undefined> {
    const found = await this.pushWithRecipients(requester.tenantId, pushId);
    return found && found.push.la.aadObjectId.toLowerCase() === requester.aadObjectId.toLowerCase() ? found : undefined;
  }

  /**
   * Sends the welcome again to the starters of one of the requester's pushes it did not reach (failed, or still
   * pending), through the same delivery queue and welcome protocol as the push: the claim in each starter's record
   * still makes it once per starter, so someone welcomed meanwhile gets nothing. Audited.
   */
  async resend(requester: LaRequester, pushId: string, via: 'chat' | 'api' | 'tab'): Promise<ResendOutcome> {
    if (!(await this.authorise(requester, via, 'resend'))) return { kind: 'refused' };
    const found = await this.ownPush(requester, pushId);
    if (!found) return { kind: 'notFound' };
    const now = this.deps.now();
    const candidates = found.recipients.filter((r) => RESENDABLE.has(r.status)).map((r) => r.address);
    const addresses = await this.deps.pushes.markResending(pushId, candidates, now);
    await this.deps.audit.append({
      at: now.toISOString(),
      event: 'push.resent',
      by: requester.aadObjectId,
      byName: requester.name,
      pushId,
      via,
      detail: `${addresses.length} starters`,
    });
    if (addresses.length > 0) {
      try {
        await this.deps.enqueue(addresses.map((address) => ({ pushId, address, tenantId: found.push.tenantId, la: found.push.la })));
      } catch (error) {
        // Not queued: the starters go back to a status the LA can resend to, rather than "sending" for ever.
        const at = this.deps.now().toISOString();
        await Promise.all(
          addresses.map((address) => this.deps.pushes.setRecipient(pushId, { address, status: 'failed', reason: RESEND_NOT_QUEUED, updatedAt: at })),
        );
        throw error;
      }
    }
    return { kind: 'queued', push: found.push, addresses };
  }

  /** The requester's recent pushes, newest first (for the filters). */
  private recentPushes(requester: LaRequester): Promise<Push[]> {
    return this.deps.pushes.recent(requester.tenantId, requester.aadObjectId);
  }

  /**
   * The requester's starters across their recent pushes, each once (latest push wins), with progress; only one
   * push's and only those at one stage of progress when the filter says so.
   */
  async starters(requester: LaRequester, filter: StarterFilter = {}): Promise<StarterView[]> {
    return (await this.startersAndPushes(requester, filter)).starters;
  }

  /**
   * The requester's starters (as `starters`) and their recent pushes (for the filters, as in the "status" card): the
   * list of pushes read once, and the recipients of only the pushes the filter names.
   */
  async startersAndPushes(requester: LaRequester, filter: StarterFilter = {}): Promise<{ starters: StarterView[]; pushes: Push[] }> {
    const recent = await this.recentPushes(requester);
    return { starters: await this.startersOf(requester, await this.withRecipients(recent.filter((p) => inFilter(p, filter))), filter), pushes: recent };
  }

  /**
   * As `startersAndPushes`, each push with how many of its starters the welcome has not reached (for "Resend", in the
   * New starters tab): so every push's recipients are read, once, and shared with the starters.
   */
  async startersAndReach(requester: LaRequester, filter: StarterFilter = {}): Promise<{ starters: StarterView[]; pushes: PushReach[] }> {
    const read = await this.withRecipients(await this.recentPushes(requester));
    return {
      starters: await this.startersOf(
        requester,
        read.filter((r) => inFilter(r.push, filter)),
        filter,
      ),
      pushes: read.map(({ push, recipients }) => ({ push, notReached: recipients.filter((r) => RESENDABLE.has(r.status)).length })),
    };
  }

  /** Each push with its recipients, read one push after another (a push may have thousands). */
  private async withRecipients(pushes: readonly Push[]): Promise<PushRead[]> {
    const read: PushRead[] = [];
    for (const push of pushes) read.push({ push, recipients: await this.deps.pushes.recipients(push) });
    return read;
  }

  private async startersOf(requester: LaRequester, pushes: readonly PushRead[], filter: StarterFilter): Promise<StarterView[]> {
    const seen = new Set<string>();
    const views: StarterView[] = [];
    for (const { push, recipients } of pushes) {
      for (const r of recipients) {
        if (seen.has(r.address)) continue;
        seen.add(r.address);
        views.push({ address: r.address, pushId: push.id, status: r.status, reason: r.reason, ...(await this.progressOf(requester.tenantId, r)) });
      }
    }
    return byProgress(views, filter);
  }

  /** The requester's starters (filtered) as CSV, for LAs only; the export is audited, as is a refusal. */
  async exportCsv(
    requester: LaRequester,
    filter: StarterFilter,
    via: 'chat' | 'api' | 'tab',
  ): Promise<{ kind: 'refused' } | { kind: 'csv'; csv: string; count: number }> {
    if (!(await this.authorise(requester, via, 'export'))) return { kind: 'refused' };
    const starters = await this.starters(requester, filter);
    await this.deps.audit.append({
      at: this.deps.now().toISOString(),
      event: 'starters.exported',
      by: requester.aadObjectId,
      byName: requester.name,
      via,
      ...(filter.pushId ? { pushId: filter.pushId } : {}),
      detail: `${starters.length} starters${filter.progress ? ` (${filter.progress})` : ''}`,
    });
    return { kind: 'csv', csv: startersCsv(starters, (s) => STATUS_TEXT[s.status]), count: starters.length };
  }

  private async progressOf(tenantId: string, r: Recipient): Promise<Pick<StarterView, 'progress' | 'sentAt'>> {
    if (!r.aadObjectId) return {};
    const record = await this.deps.users.record({ tenantId, userId: r.aadObjectId, aadObjectId: r.aadObjectId });
    if (!record) return {};
    const sentAt = record.welcome.sentAt !== undefined ? { sentAt: record.welcome.sentAt } : {};
    const progress = await this.deps.users.progress({ ...userRefOf(record), aadObjectId: r.aadObjectId });
    if (!progress) return sentAt;
    const s = summarise(progress, this.deps.content.journey);
    return {
      ...sentAt,
      progress: { done: s.done, total: s.total, mustDoDone: s.mustDoDone, mustDoTotal: s.mustDoTotal, lastSeen: progress.lastActiveAt },
    };
  }
}

/** A push and its recipients, as read for the LA's starters. */
interface PushRead {
  readonly push: Push;
  readonly recipients: readonly Recipient[];
}

/** True when the filter names no push, or names this one. */
function inFilter(push: Push, filter: StarterFilter): boolean {
  return filter.pushId === undefined || push.id === filter.pushId;
}
