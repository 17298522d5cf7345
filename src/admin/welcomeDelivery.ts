import type { JourneyFlow } from '../journey/journeyFlow';
import type { StartedBy } from '../journey/progress';
import type { CardJson } from '../cards/render';
import type { FailureKind } from '../delivery/classify';
import { TryLaterError } from '../delivery/retry';
import type { GraphClient } from '../graph/graphClient';
import type { ChatAddress } from '../state/chatAddress';
import { userRefOf, type UserRecord, type UserRef, type UserStore } from '../state/users';
import type { AddressBook } from './addressBook';
import type { PendingWelcomes } from './pending';
import type { RecipientStatus } from './pushes';

/** One starter to welcome on behalf of an LA. */
export interface StarterJob {
  readonly pushId: string;
  readonly address: string;
  readonly tenantId: string;
  readonly la: { readonly aadObjectId: string; readonly name: string };
}

/** Where the starter's welcome ended up. */
export interface DeliveryResult {
  readonly status: Exclude<RecipientStatus, 'sending'>;
  readonly reason?: string | undefined;
  readonly aadObjectId?: string | undefined;
}

/** The part of Teams this needs: open the 1:1 chat with a user, and post a card into a chat. */
export interface TeamsGateway {
  /**
   * Creates (or finds) the personal chat with the card as its first message, in one call; resolves the chat's
   * reference. The user's Teams id (29:…) is not known until they write.
   */
  createPersonalConversation(
    target: { aadObjectId: string; tenantId: string; serviceUrl: string },
    card: CardJson,
  ): Promise<{
    reference: ChatAddress;
  }>;
  sendCard(reference: ChatAddress, card: CardJson): Promise<void>;
}

type PendingWelcomeInput = { pushId: string; address: string; la: StarterJob['la']; since: string };

export interface WelcomeDeliveryDeps {
  readonly users: UserStore;
  readonly flow: JourneyFlow;
  readonly addressBook: AddressBook;
  readonly pending: PendingWelcomes;
  readonly teams: TeamsGateway;
  readonly classify: (error: unknown) => FailureKind;
  /** Graph, when configured: resolves addresses, and installs the app for starters who lack it. */
  readonly graph: GraphClient | undefined;
  /** The app's id in the tenant catalog (manifest id), for Graph installs. */
  readonly teamsAppId: string | undefined;
  /** Teams' service URL for users the bot has never talked to. */
  readonly serviceUrl: string;
  readonly now: () => Date;
}

/**
 * Delivers the first welcome card to one starter for an LA: from the stored conversation, or by
 * opening the personal chat; installs the app through Graph where it is missing and allowed, and
 * otherwise keeps the welcome pending until the starter first opens the bot. Throttling and transient
 * Teams errors are thrown, for the delivery worker to retry.
 */
export class WelcomeDelivery {
  constructor(private readonly deps: WelcomeDeliveryDeps) {}

  /** Welcomes one starter, or says why not. */
  async deliver(job: StarterJob): Promise<DeliveryResult> {
    const { deps } = this;
    const pendingWelcome = { pushId: job.pushId, address: job.address, la: job.la, since: deps.now().toISOString() };
    let aadObjectId = (await deps.addressBook.find(job.tenantId, job.address))?.aadObjectId;
    if (aadObjectId === undefined && deps.graph) {
      const user = await deps.graph.findUser(job.address);
      if (!user) return { status: 'failed', reason: 'No account has this address. Check the spelling.' };
      aadObjectId = user.id;
      await deps.addressBook.remember(job.tenantId, job.address, { aadObjectId: user.id });
    }
    if (aadObjectId === undefined) {
      await deps.pending.add(job.tenantId, { address: job.address }, pendingWelcome);
      return { status: 'pendingFirstContact', reason: 'They will get it the first time they open the bot in Teams.' };
    }

    const record = await deps.users.record({ tenantId: job.tenantId, userId: aadObjectId, aadObjectId });
    if (record?.welcome.sentAt !== undefined) return this.welcomedBefore(record, job);

    if (record?.installed) {
      const user: UserRef = { ...userRefOf(record), aadObjectId };
      try {
        return await this.welcome(user, record.reference, job);
      } catch (error) {
        const failure = deps.classify(error);
        if (failure.kind !== 'notInstalled' && failure.kind !== 'gone') throw error;
        // The stored chat died (deleted or uninstalled): forget it and open a new one below.
        await deps.flow.uninstalled(user);
      }
    }

    return this.welcomeInNewChat(job, aadObjectId, pendingWelcome);
  }

  /** Opens the starter's chat with the welcome as its first message: one Teams call. */
  private async welcomeInNewChat(job: StarterJob, aadObjectId: string, pendingWelcome: PendingWelcomeInput): Promise<DeliveryResult> {
    const { deps } = this;
    // Known by object id only, and with no chat yet.
    const noChat: UserRef = userRefOf({ tenantId: job.tenantId, userId: aadObjectId, aadObjectId, conversationId: '' });
    const claimed = await deps.flow.claimFirstWelcome({ tenantId: job.tenantId, aadObjectId }, startedByLa(job));
    if (!claimed) return this.notClaimed(noChat, job);
    let opened: Awaited<ReturnType<TeamsGateway['createPersonalConversation']>>;
    try {
      opened = await deps.teams.createPersonalConversation({ aadObjectId, tenantId: job.tenantId, serviceUrl: deps.serviceUrl }, claimed.card);
    } catch (error) {
      await deps.flow.welcomeFailed(noChat, startedByLa(job));
      const failure = deps.classify(error);
      if (failure.kind === 'fatal') return { status: 'failed', reason: failure.reason, aadObjectId };
      if (failure.kind !== 'notInstalled' && failure.kind !== 'gone') throw error;
      // The starter's own install event may have come while this call was on its way: it found our claim and sent
      // nothing, and no other event will come. Their chat is known now, so welcome them there.
      const latest = await deps.users.record(noChat);
      if (latest?.installed && latest.conversationId !== '' && latest.welcome.sentAt === undefined) {
        const user: UserRef = { ...userRefOf(latest), aadObjectId };
        return this.welcome(user, latest.reference, job);
      }
      return this.install(job, aadObjectId, pendingWelcome);
    }
    await deps.flow.firstWelcomeSent({ ...noChat, conversationId: opened.reference.conversation?.id ?? '' }, opened.reference, claimed.progress);
    return { status: 'delivered', aadObjectId };
  }

  private async welcome(user: UserRef, reference: ChatAddress, job: StarterJob): Promise<DeliveryResult> {
    let outcome: 'sent' | 'notClaimed';
    try {
      // An LA's push always sends the journey, rollout mode or not.
      outcome = await this.deps.flow.welcomeWith(user, startedByLa(job), 'journey', (card) => this.deps.teams.sendCard(reference, card));
    } catch (error) {
      const failure = this.deps.classify(error);
      if (failure.kind === 'fatal') return { status: 'failed', reason: failure.reason, aadObjectId: user.aadObjectId };
      throw error;
    }
    if (outcome === 'notClaimed') return this.notClaimed(user, job);
    return { status: 'delivered', aadObjectId: user.aadObjectId };
  }

  /** Someone else has the starter's welcome: sent already, or being sent. */
  private async notClaimed(user: UserRef, job: StarterJob): Promise<DeliveryResult> {
    const record = await this.deps.users.record(user);
    if (record && record.welcome.sentAt === undefined && record.welcome.claimedAt !== undefined) {
      // Someone else (the starter's own install event, or a crashed attempt) holds the claim but has not sent:
      // come back when the claim has either turned into "sent" or expired, rather than report a welcome nobody got.
      throw new TryLaterError('the welcome is being sent by another event', 30_000);
    }
    return record ? this.welcomedBefore(record, job) : { status: 'alreadyWelcomed', aadObjectId: user.aadObjectId };
  }

  /**
   * The starter was welcomed already: by this very push (an earlier attempt sent it, then stopped before
   * recording it, so this is a retry) or before it.
   */
  private async welcomedBefore(record: UserRecord, job: StarterJob): Promise<DeliveryResult> {
    const aadObjectId = record.aadObjectId;
    const progress = await this.deps.users.progress(userRefOf(record));
    const byThisPush = progress?.startedBy.kind === 'la' && progress.startedBy.pushId === job.pushId;
    return { status: byThisPush ? 'delivered' : 'alreadyWelcomed', aadObjectId };
  }

  private async install(job: StarterJob, aadObjectId: string, pendingWelcome: PendingWelcomeInput): Promise<DeliveryResult> {
    const { deps } = this;
    await deps.pending.add(job.tenantId, { aadObjectId, address: job.address }, pendingWelcome);
    if (!deps.graph || !deps.teamsAppId) {
      return { status: 'pendingFirstContact', reason: 'The app is not installed for them yet; they will get it when they first open the bot.', aadObjectId };
    }
    const result = await deps.graph.installApp(aadObjectId, deps.teamsAppId);
    switch (result) {
      case 'installed':
      case 'alreadyInstalled':
        return { status: 'waitingForInstall', reason: 'Installing the app for them; the welcome follows automatically.', aadObjectId };
      case 'userCannotUseTeams':
        return { status: 'pendingFirstContact', reason: 'They have not signed in to Teams yet; they will get it when they first open the bot.', aadObjectId };
      case 'notInCatalog':
        return { status: 'failed', reason: 'The app is not in your organisation’s Teams app catalogue, so it cannot be installed for them.', aadObjectId };
    }
  }
}

/** How a journey an LA's push started says so. */
function startedByLa(job: StarterJob): StartedBy {
  return { kind: 'la', name: job.la.name, aadObjectId: job.la.aadObjectId, pushId: job.pushId };
}
