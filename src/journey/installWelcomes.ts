import { z } from 'zod';
import type { FirstContact } from '../admin/firstContact';
import type { PendingWelcome } from '../admin/pending';
import type { TeamsGateway } from '../admin/welcomeDelivery';
import type { FailureKind } from '../delivery/classify';
import type { JobHandler, NewJob } from '../delivery/queue';
import { TryLaterError } from '../delivery/retry';
import type { Logger } from '../log';
import type { ChatAddress } from '../state/chatAddress';
import { jobIds } from '../state/keys';
import { userRefOf, type UserRef, type UserStore } from '../state/users';
import type { Telemetry } from '../telemetry/telemetry';
import { errorSummary } from '../errorSummary';
import type { JourneyFlow, WelcomeKind } from './journeyFlow';
import type { WelcomeRollout } from './welcomeRollout';

/** The queue's name for welcomes a user's own install (or first message) asked for. */
export const INSTALL_WELCOME_KIND = 'installWelcome';

/** How long an install turn waits for Teams to take the welcome before it leaves it to the queue. */
const TURN_SEND_MS = 5000;

/**
 * How long this instance remembers that it queued a user's welcome. Teams sends a user's two install events within
 * milliseconds; the second need not write to the store again (createIfAbsent writes and syncs a file before it finds
 * the job there). Short, so that a user who needs a new welcome later (forgotten, then reinstalled) gets one queued.
 */
const RECENTLY_QUEUED_MS = 10_000;
const RECENTLY_QUEUED_MAX = 10_000;

/** What became of a welcome asked for in a turn. */
export type InstallWelcomeOutcome = 'sent' | 'queued' | 'notClaimed' | 'failed';

const pendingSchema = z.object({
  pushId: z.string().min(1).max(64),
  address: z.string().min(1).max(320),
  la: z.object({ aadObjectId: z.string().min(1).max(64), name: z.string().max(256) }),
  since: z.string().max(64),
});

const payloadSchema = z.object({
  tenantId: z.string().min(1).max(64),
  userId: z.string().min(1).max(256),
  aadObjectId: z.string().min(1).max(64).optional(),
  pending: pendingSchema.optional(),
});
type InstallWelcomePayload = z.infer<typeof payloadSchema>;

/** One durable install welcome: one per user, so every install event of theirs queues it once. */
export function installWelcomeJob(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>, pending: PendingWelcome | undefined): NewJob {
  const payload: InstallWelcomePayload = {
    tenantId: user.tenantId,
    userId: user.userId,
    ...(user.aadObjectId !== undefined ? { aadObjectId: user.aadObjectId } : {}),
    ...(pending ? { pending: { pushId: pending.pushId, address: pending.address, la: { ...pending.la }, since: pending.since } } : {}),
  };
  return { id: jobIds.installWelcome(user.tenantId, user.aadObjectId ?? user.userId), kind: INSTALL_WELCOME_KIND, payload };
}

export interface InstallWelcomesDeps {
  readonly telemetry?: Telemetry;
  readonly flow: JourneyFlow;
  readonly users: UserStore;
  readonly teams: Pick<TeamsGateway, 'sendCard'>;
  /** The durable, rate-limited delivery queue LA pushes and reminders use. */
  readonly queue: { enqueue(jobs: readonly NewJob[]): Promise<number> };
  /** Whether Teams' rate budget (tenant and chat) has room for a send to this chat right now; reserves nothing. */
  readonly roomNow: (reference: ChatAddress) => boolean;
  readonly rollout: WelcomeRollout;
  /** Pending LA welcomes: a starter's install delivers the welcome an LA left for them. */
  readonly firstContact: FirstContact | undefined;
  readonly classify: (error: unknown) => FailureKind;
  readonly log: Logger;
  readonly turnSendMs?: number;
}

/**
 * The welcome a user's own install (or first message) triggers, never lost to throttling. In the turn it goes
 * out at once when Teams' budget has room, through the same rate-limited sender as proactive deliveries; when the
 * budget is full, or Teams answers 429, 5xx or does not answer in time, it goes to the durable delivery queue,
 * which sends it at the tenant's pace, across restarts and instances. Either way the claim in the user's record
 * (JourneyFlow.welcomeWith) makes it exactly once, and the turn answers Teams within seconds however long the
 * queue is.
 */
export class InstallWelcomes {
  /** Job id → until when it is known to be queued (bounded; only spares store writes, never decides a welcome). */
  private readonly recentlyQueued = new Map<string, number>();

  constructor(private readonly deps: InstallWelcomesDeps) {}

  /** In the turn: welcomes the user now if Teams has room, else queues the welcome. */
  async welcome(user: UserRef, reference: ChatAddress, pending: PendingWelcome | undefined): Promise<InstallWelcomeOutcome> {
    const { deps } = this;
    if (!deps.roomNow(reference)) return this.enqueue(user, pending, 'busy');
    const attempt = this.send(user, reference, pending);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deps.turnSendMs ?? TURN_SEND_MS);
      timer.unref();
    });
    let outcome: 'sent' | 'notClaimed' | 'timeout';
    try {
      outcome = await Promise.race([attempt, timedOut]);
    } catch (error) {
      const failure = deps.classify(error);
      if (failure.kind === 'throttled' || failure.kind === 'transient') return this.enqueue(user, pending, failure.kind);
      // Not installed, gone or refused: the claim is given back, so their next message tries again.
      deps.log.warn({ event: 'welcome.failed', failure: failure.kind, err: errorSummary(error) }, 'welcome not sent');
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
    if (outcome !== 'timeout') return outcome;
    // The send is still on its way and holds the claim: it will record the welcome or give the claim back. The
    // queued job waits for either, so a welcome Teams took late is not sent twice, and one it never took is sent.
    attempt.catch((error: unknown) => deps.log.warn({ event: 'welcome.lateFailure', err: errorSummary(error) }, 'a slow welcome failed; the queue sends it'));
    return this.enqueue(user, pending, 'timeout');
  }

  /** The queued install welcome: sends it unless the user was welcomed meanwhile, uninstalled, or was forgotten. */
  readonly handler: JobHandler = {
    deliver: async (payload) => {
      const { deps } = this;
      const job = payloadSchema.safeParse(payload);
      if (!job.success) {
        deps.log.error({ event: 'welcome.badJob' }, 'malformed install welcome dropped');
        return;
      }
      const { tenantId, userId, aadObjectId } = job.data;
      this.recentlyQueued.delete(installWelcomeJob({ tenantId, userId, aadObjectId }, undefined).id);
      const record = await deps.users.record({ tenantId, userId, aadObjectId });
      // Forgotten, welcomed already, or no chat any more: nothing to send (a later message welcomes them).
      if (!record || record.welcome.sentAt !== undefined || !record.installed || record.conversationId === '') return;
      const user = userRefOf(record);
      const pending = job.data.pending ?? (await deps.firstContact?.pendingFor(tenantId, aadObjectId, () => Promise.resolve(undefined)));
      let outcome: 'sent' | 'notClaimed';
      try {
        outcome = await this.send(user, record.reference, pending);
      } catch (error) {
        const failure = deps.classify(error);
        if (failure.kind === 'notInstalled' || failure.kind === 'gone') {
          await deps.flow.uninstalled(user);
          deps.log.info({ event: 'welcome.notInstalled' }, 'app removed before the queued welcome; it waits for their next message');
          return;
        }
        if (failure.kind === 'fatal') {
          deps.log.warn({ event: 'welcome.failed', reason: failure.reason }, 'queued welcome refused by Teams');
          return;
        }
        throw error;
      }
      if (outcome === 'notClaimed') {
        const latest = await deps.users.record(user);
        if (latest && latest.welcome.sentAt === undefined && latest.welcome.claimedAt !== undefined) {
          // Another event (or a slow send in a turn) holds the claim: come back when it is sent or has expired.
          throw new TryLaterError('the welcome is being sent by another event', 30_000);
        }
      }
    },
    giveUp: async (_payload, reason) => {
      // The claim was given back after the last attempt: the user's next message welcomes them.
      this.deps.log.warn({ event: 'welcome.gaveUp', reason }, 'queued welcome given up; it waits for their next message');
    },
  };

  private async enqueue(user: UserRef, pending: PendingWelcome | undefined, why: string): Promise<'queued'> {
    const job = installWelcomeJob(user, pending);
    const now = Date.now();
    if ((this.recentlyQueued.get(job.id) ?? 0) > now) return 'queued';
    await this.deps.queue.enqueue([job]);
    this.recentlyQueued.set(job.id, now + RECENTLY_QUEUED_MS);
    for (const [id, until] of this.recentlyQueued) {
      if (this.recentlyQueued.size <= RECENTLY_QUEUED_MAX && until > now) break;
      this.recentlyQueued.delete(id);
    }
    this.deps.log.info({ event: 'welcome.queued', why }, 'welcome queued');
    this.deps.telemetry?.count('welcomes', { outcome: 'queued', via: pending ? 'push' : 'install', reason: why });
    return 'queued';
  }

  /** Claim, send, confirm or undo (the one welcome protocol), then tell the LA whose pending welcome it was. */
  private async send(user: UserRef, reference: ChatAddress, pending: PendingWelcome | undefined): Promise<'sent' | 'notClaimed'> {
    const { deps } = this;
    const startedBy = pending && deps.firstContact ? deps.firstContact.startedBy(pending) : { kind: 'self' as const };
    const kind: WelcomeKind = await deps.rollout.kindFor(user.aadObjectId, startedBy);
    const outcome = await deps.flow.welcomeWith(user, startedBy, kind, (card) => deps.teams.sendCard(reference, card));
    if (outcome === 'sent') {
      deps.log.info({ event: 'welcome.sent', kind, byLa: pending !== undefined }, 'welcome sent');
      if (pending && deps.firstContact) await deps.firstContact.delivered(user.tenantId, pending, user.aadObjectId);
    }
    return outcome;
  }
}
