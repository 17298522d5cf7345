import type { AdminChat } from '../admin/adminChat';
import type { FirstContact } from '../admin/firstContact';
import type { JourneyCards } from '../cards/views';
import type { InstallWelcomes } from '../journey/installWelcomes';
import type { JourneyFlow } from '../journey/journeyFlow';
import type { ChatAddress } from '../state/chatAddress';
import { keys } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import type { UserRecord } from '../state/users';
import type { ChatTurn } from './turn';

export interface GreeterDeps {
  readonly flow: JourneyFlow;
  readonly cards: JourneyCards;
  readonly storage: AtomicStorage;
  /** Sends a user's own welcome in the turn when Teams has room, else through the delivery queue. */
  readonly installWelcomes: InstallWelcomes;
  /** Pending LA welcomes, matched at first contact. */
  readonly firstContact?: FirstContact | undefined;
  /** LA commands and cards; absent when no LA is configured. */
  readonly adminChat?: AdminChat | undefined;
  /** Takes one slot of the tenant's Teams budget if one is free right now (for calls that can wait for a quieter time). */
  readonly takeSlotNow: (address: ChatAddress) => boolean;
}

/**
 * First contact, whichever way it comes: the app installed in a personal chat (welcome once), in a team or group chat
 * (introduce the bot once), removed; and a user's first message when no install event ever came.
 */
export class Greeter {
  constructor(private readonly deps: GreeterDeps) {}

  /** The app was installed (or the bot added) in the user's personal chat. */
  async installedPersonal(turn: ChatTurn): Promise<void> {
    const { record } = await this.deps.flow.remember(turn.user, turn.address);
    // Only on the install that welcomed them, and only when Teams had room for the welcome in this turn: the LA
    // check then costs nothing on repeated install events, and a busy rollout is not sent more than it must.
    if ((await this.welcomeOnce(turn, record)) === 'sent') await this.introduceLaOnce(turn);
  }

  /** In a team or group chat the bot introduces itself once and points people to the personal chat. */
  async installedShared(turn: ChatTurn): Promise<void> {
    const first = await this.deps.storage.createIfAbsent(keys.groupIntro(turn.user.channelId, turn.user.conversationId), {
      introducedAt: new Date().toISOString(),
    });
    if (first) await turn.send(this.deps.cards.groupIntro());
  }

  /** The app was removed from the user's personal chat. */
  async uninstalled(turn: ChatTurn): Promise<void> {
    await this.deps.flow.uninstalled(turn.user);
  }

  /**
   * A personal message from a user whose install event never came (or came before a reinstall) welcomes them on
   * first contact, judged by the user's record as the turn's prelude left it (`turn.record`). Resolves whether a welcome
   * was sent or queued now.
   */
  async onMessage(turn: ChatTurn): Promise<boolean> {
    const welcomedNow = (await this.welcomeOnce(turn, turn.record?.record)) !== undefined;
    if (welcomedNow) await this.introduceLaOnce(turn);
    return welcomedNow;
  }

  /**
   * A Local Administrator's first contact (the install or first message that welcomed them) also brings the LA help
   * card, once: it lists their commands and the New starters tab. Only checked then, so it costs nothing per message.
   */
  private async introduceLaOnce(turn: ChatTurn): Promise<void> {
    const { adminChat, storage, cards } = this.deps;
    const { user } = turn;
    if (!adminChat || !user.aadObjectId) return;
    if (!(await adminChat.isLa(turn))) return;
    const first = await storage.createIfAbsent(keys.laIntroduced(user.tenantId, user.aadObjectId), { introducedAt: new Date().toISOString() });
    if (first) await turn.send(cards.help({ la: true }));
  }

  /**
   * Welcomes the user unless they already had it (install events come in pairs, repeated, in any order): at once
   * when Teams has room, else through the delivery queue. Says whether a welcome was sent or queued now. `record` is
   * the record this turn already read: a welcomed user (every message after the first) costs no second read.
   */
  private async welcomeOnce(turn: ChatTurn, record: UserRecord | undefined): Promise<'sent' | 'queued' | undefined> {
    const { firstContact, flow, installWelcomes } = this.deps;
    const { user } = turn;
    let address: string | undefined;
    let lookedUp = false;
    const lookupAddress = async (): Promise<string | undefined> => {
      if (!lookedUp) address = await turn.memberAddress();
      lookedUp = true;
      return address;
    };
    if (record?.welcome.sentAt !== undefined) return undefined;
    const pending = firstContact ? await firstContact.pendingFor(user.tenantId, user.aadObjectId, lookupAddress) : undefined;
    const outcome = await installWelcomes.welcome(user, turn.address, pending);
    // Learn the address once, so an LA's later push (or status) finds this user without Graph. It costs a Teams
    // call, so during a rollout (no slot free in the tenant's budget) it is left out rather than slow the welcomes.
    if (outcome === 'sent' && firstContact && user.aadObjectId && (lookedUp || this.deps.takeSlotNow(turn.address))) {
      const learnt = await lookupAddress();
      if (learnt) {
        await firstContact.learnAddress(user.tenantId, user.aadObjectId, learnt);
        await flow.learnAddress(user, learnt.toLowerCase());
      }
    }
    return outcome === 'sent' || outcome === 'queued' ? outcome : undefined;
  }
}
