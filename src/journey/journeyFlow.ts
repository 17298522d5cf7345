import type { JourneyCardAction } from '../cards/cardActions';
import type { CardJson } from '../cards/render';
import type { JourneyCards } from '../cards/views';
import type { Content } from '../content/load';
import { answerSubject, stepSubject, subjectKey, type UserVotes } from '../feedback/feedback';
import type { FeedbackStore } from '../feedback/feedbackStore';
import { findAction, stepIndex, stepOfAction, type Step } from './journey';
import { acknowledge, moveTo, startProgress, summarise, unacknowledge, type Progress, type StartedBy } from './progress';
import type { ChatAddress } from '../state/chatAddress';
import { claimHolds } from '../state/claim';
import { userRefOf, type RecordSeen, type UserRecord, type UserRef, type UserStore } from '../state/users';
import type { Telemetry } from '../telemetry/telemetry';

/** The first card of a welcome: the journey, or (rollout mode, a long-standing account) a one-card introduction. */
export type WelcomeKind = 'journey' | 'introduction';

/** Where a command or card action came from: the user's own chat with the bot, or a team or group chat. */
export type Where = 'personal' | 'shared';

/** What an answer card needs to know about the user who will see it. */
export interface AnswerContext {
  readonly progress: Progress | undefined;
  /** The user's votes, in personal chat: the card then asks "Was this helpful?". Undefined in a shared chat. */
  readonly votes?: UserVotes | undefined;
  /** The question the card answers (masked), carried on its vote buttons. */
  readonly question?: string | undefined;
  /** A vote came from a card whose words have changed: the card says it was not counted. */
  readonly changed?: boolean;
}

/** What else hears of the journey: telemetry, and the completion funnel (src/funnel/). Neither can fail a user's turn. */
export interface JourneyObservers {
  readonly telemetry?: Telemetry;
  readonly funnel?: {
    welcomed(user: UserRef, startedBy: StartedBy): Promise<void>;
    progressed(user: UserRef, progress: Progress, seen?: RecordSeen): Promise<void>;
  };
  /** A funnel update failed (the user's own change was saved). */
  readonly onError?: (error: unknown) => void;
}

/** Answers questions typed to the bot (the intent matcher plugs in here). */
export interface Answerer {
  /** The answer card for a question, or undefined to let the bot say it did not understand. */
  answer(question: string, context: AnswerContext): Promise<CardJson | undefined> | CardJson | undefined;
  /** The answer card for an intent chosen on a card ("did you mean", follow-ups). */
  answerIntent(intentId: string, context: AnswerContext): CardJson | undefined;
}

/** The journey as the bot runs it for one user: state changes and which card to show. No botbuilder transport here. */
export class JourneyFlow {
  constructor(
    private readonly content: Content,
    private readonly cards: JourneyCards,
    private readonly users: UserStore,
    private readonly answerer: Answerer,
    private readonly now: () => Date,
    /** Other modules' "forget me" (address book, pending welcomes), run after progress and record are erased. */
    private readonly forgetHooks: readonly ((user: UserRef, record: UserRecord | undefined) => Promise<void>)[] = [],
    /** "Helpful" / "Not helpful" on answers and steps; without it, cards do not ask. */
    private readonly feedback?: FeedbackStore,
    private readonly observers: JourneyObservers = {},
  ) {}

  /**
   * Records how to reach the user (their personal conversation), creating their record on first contact. Resolves the
   * record as it now is, with its version: the turn hands it to what changes the user's progress (`known` below), which
   * then need not read the record again.
   */
  async remember(user: UserRef, reference: ChatAddress): Promise<RecordSeen> {
    const at = this.now().toISOString();
    return this.users.updateRecordSeeing(user, (current) => {
      if (
        current &&
        current.installed &&
        current.conversationId === user.conversationId &&
        current.userId === user.userId &&
        current.reference.serviceUrl === reference.serviceUrl &&
        sameHour(current.lastSeenAt, at)
      ) {
        // Nothing new: spare the store a write (and an fsync) per message. lastSeenAt is kept to the hour; what reads
        // it works in days (retention, reminders, the date on "my data").
        return undefined;
      }
      return {
        userId: user.userId,
        ...(user.aadObjectId !== undefined ? { aadObjectId: user.aadObjectId } : {}),
        tenantId: user.tenantId,
        conversationId: user.conversationId,
        reference,
        installed: true,
        ...(current?.address !== undefined ? { address: current.address } : {}),
        welcome: current?.welcome ?? {},
        ...(current?.reminders !== undefined ? { reminders: current.reminders } : {}),
        ...(current?.funnel !== undefined ? { funnel: current.funnel } : {}),
        firstSeenAt: current?.firstSeenAt ?? at,
        lastSeenAt: at,
      };
    });
  }

  /** The user's record (how to reach them, whether welcomed). */
  record(user: Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>): Promise<UserRecord | undefined> {
    return this.users.record(user);
  }

  /** Marks the app as removed for the user; progress is kept in case they come back. */
  async uninstalled(user: UserRef): Promise<void> {
    await this.users.updateRecord(user, (current) => (current ? { ...current, installed: false } : undefined));
  }

  /**
   * The one welcome protocol for a user with a chat: claim the welcome in their record, send the card, then record
   * it sent, or give the claim back if the send failed (and rethrow). 'notClaimed' when they were welcomed already
   * or another event holds the claim. Install turns, the queued install welcome and LA pushes all come through here.
   */
  async welcomeWith(user: UserRef, startedBy: StartedBy, kind: WelcomeKind, send: (card: CardJson) => Promise<void>): Promise<'sent' | 'notClaimed'> {
    const card = await this.claimWelcome(user, startedBy, kind);
    if (!card) return 'notClaimed';
    try {
      await send(card);
    } catch (error) {
      await this.welcomeFailed(user, startedBy);
      throw error;
    }
    await this.welcomed(user);
    await this.welcomeSent(user, startedBy, kind);
    return 'sent';
  }

  /**
   * Claims the user's one welcome. Resolves the first card when this call won the claim, undefined when the
   * user was already welcomed (or another event is welcoming them right now). Call welcomed() after sending.
   * An introduction starts no journey: the user starts it from the card ("start"), and nothing reminds them.
   */
  async claimWelcome(user: UserRef, startedBy: StartedBy = { kind: 'self' }, kind: WelcomeKind = 'journey'): Promise<CardJson | undefined> {
    const now = this.now();
    let won = false;
    await this.users.updateRecord(user, (current) => {
      won = false;
      if (!current) return undefined; // remember() runs first; no record means it was just forgotten
      const { claimedAt, sentAt } = current.welcome;
      if (sentAt !== undefined) return undefined;
      if (claimHolds(claimedAt, now.getTime())) return undefined;
      won = true;
      return { ...current, welcome: { claimedAt: now.toISOString() } };
    });
    if (!won) return undefined;
    if (kind === 'introduction') return this.cards.notice('introduction');
    const progress = await this.users.updateProgress(user, (current) => current ?? startProgress(this.content.journey, startedBy, now));
    return progress ? this.cards.step(progress, progress.stepId, user) : undefined;
  }

  /**
   * Claims the welcome of a starter the bot has not talked to yet, before their chat exists, so the card can
   * be sent with the chat's creation (one Teams call). The starter is known by Entra object id only; a record
   * is created for them if need be (not installed, no chat yet). Resolves the first card and the journey it
   * shows, or undefined when they were welcomed already or another event is welcoming them. After sending,
   * call firstWelcomeSent() with the chat; after a failed send, welcomeFailed().
   */
  async claimFirstWelcome(who: { tenantId: string; aadObjectId: string }, startedBy: StartedBy): Promise<{ card: CardJson; progress: Progress } | undefined> {
    const now = this.now();
    const at = now.toISOString();
    const ref = { tenantId: who.tenantId, userId: who.aadObjectId, aadObjectId: who.aadObjectId };
    let won = false;
    const record = await this.users.updateRecord(ref, (current) => {
      won = false;
      if (current) {
        const { claimedAt, sentAt } = current.welcome;
        if (sentAt !== undefined) return undefined;
        if (claimHolds(claimedAt, now.getTime())) return undefined;
        won = true;
        return { ...current, welcome: { claimedAt: at, startedBy } };
      }
      won = true;
      return {
        userId: who.aadObjectId,
        aadObjectId: who.aadObjectId,
        tenantId: who.tenantId,
        conversationId: '',
        reference: {},
        installed: false,
        welcome: { claimedAt: at, startedBy },
        firstSeenAt: at,
        lastSeenAt: at,
      };
    });
    if (!won || !record) return undefined;
    // A starter who removed the app keeps their progress: the new welcome shows it rather than a blank journey.
    const kept = record.conversationId === '' ? undefined : await this.users.progress(userRefOf(record));
    const progress = kept ?? startProgress(this.content.journey, startedBy, now);
    return { card: this.cards.step(progress, progress.stepId, { userId: who.aadObjectId }), progress };
  }

  /** Records a welcome sent with the creation of the starter's chat: how to reach them, their journey, and "sent". */
  async firstWelcomeSent(user: UserRef, reference: ChatAddress, progress: Progress): Promise<void> {
    const at = this.now().toISOString();
    await this.users.updateRecord(user, (current) => {
      // The starter's own install event or message got here first: it knows more (their Teams id, the chat's
      // latest service URL), so keep it.
      if (current && current.installed && current.conversationId === user.conversationId) return undefined;
      return {
        ...(current ?? { tenantId: user.tenantId, welcome: {}, firstSeenAt: at }),
        userId: user.userId,
        ...(user.aadObjectId !== undefined ? { aadObjectId: user.aadObjectId } : {}),
        conversationId: user.conversationId,
        reference,
        installed: true,
        lastSeenAt: at,
      } as UserRecord;
    });
    await this.users.updateProgress(user, (current) => current ?? progress);
    await this.welcomed(user);
    await this.welcomeSent(user, progress.startedBy, 'journey');
  }

  /** Counts a welcome that went out; a journey welcome (not a rollout introduction) starts the starter's funnel. */
  private async welcomeSent(user: UserRef, startedBy: StartedBy, kind: WelcomeKind): Promise<void> {
    this.observers.telemetry?.count('welcomes', { outcome: 'sent', via: startedBy.kind === 'la' ? 'push' : 'install', kind });
    if (kind === 'journey') await this.quietly(() => this.observers.funnel?.welcomed(user, startedBy));
  }

  /** Funnel bookkeeping never costs the user their turn: a failure is reported and the turn goes on. */
  private async quietly(work: () => Promise<void> | undefined): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.observers.onError?.(error);
    }
  }

  /** Records that the welcome went out. */
  async welcomed(user: UserRef): Promise<void> {
    const at = this.now().toISOString();
    await this.users.updateRecord(user, (current) => (current ? { ...current, welcome: { ...current.welcome, sentAt: at } } : undefined));
  }

  /** Gives the claim back after a failed send, so the next event can try again. */
  async welcomeFailed(user: UserRef, startedBy?: StartedBy): Promise<void> {
    this.observers.telemetry?.count('welcomes', { outcome: 'failed', via: startedBy?.kind === 'la' ? 'push' : 'install' });
    await this.users.updateRecord(user, (current) => (current && !current.welcome.sentAt ? { ...current, welcome: {} } : undefined));
  }

  /** "start", "continue", "resume": the step the user is on (their journey starts if it has not). */
  current(user: UserRef, known?: RecordSeen): Promise<CardJson> {
    return this.stepCard(user, this.ensureProgress(user, undefined, known));
  }

  /** "restart", "start again": back to the first step; ticks are kept. */
  restart(user: UserRef, known?: RecordSeen): Promise<CardJson> {
    return this.goTo(user, this.content.journey.steps[0]?.id ?? '', known);
  }

  /** "progress", "my checklist", a starter's "status": the checklist, or "not started". */
  async checklist(user: UserRef): Promise<CardJson> {
    const progress = await this.users.progress(user);
    return progress ? this.cards.checklist(progress, user) : this.cards.notice('notStarted');
  }

  /** "forget me": what would be erased, and a button to confirm. */
  async forgetPrompt(user: UserRef): Promise<CardJson> {
    return this.cards.forgetConfirm(await this.users.progress(user));
  }

  /** "forget me" confirmed: everything erased, and the card says so. */
  async forgetConfirmed(user: UserRef): Promise<CardJson> {
    await this.forget(user);
    return this.cards.notice('forgotten');
  }

  /** "export my data": everything kept about the user. */
  async myData(user: UserRef): Promise<CardJson> {
    const [record, progress, votes] = await Promise.all([this.users.record(user), this.users.progress(user), this.votes(user, 'personal')]);
    return this.cards.myData(record, progress, votes ?? {});
  }

  /** A typed question: safety first, then the topic (src/intents/answerer.ts), or "I did not understand". */
  async question(user: UserRef, text: string, where: Where): Promise<CardJson> {
    const context = await this.answerContext(user, where);
    return (await this.answerer.answer(text, context)) ?? this.cards.notice('didNotUnderstand');
  }

  /** An answer chosen on a card ("did you mean", a follow-up). */
  async answerIntent(user: UserRef, intentId: string, where: Where): Promise<CardJson> {
    return this.answerer.answerIntent(intentId, await this.answerContext(user, where)) ?? this.cards.notice('staleCard');
  }

  /** "Mark as done" / "Undo" on a step, checklist or answer card, in the user's own chat: the card comes back ticked. */
  async acknowledgeOnCard(user: UserRef, action: Extract<JourneyCardAction, { verb: 'ack' | 'unack' }>, known?: RecordSeen): Promise<CardJson> {
    const journey = this.content.journey;
    if (!findAction(journey, action.actionId)) return this.cards.notice('staleCard');
    const now = this.now();
    // The votes (for the card's "Helpful" buttons) are read while the tick is saved, not after: on Blob Storage each
    // is a request to the account, and the tick's answer waits for both.
    const [progress, votes] = await Promise.all([
      this.ensureProgress(
        user,
        (p) => (action.verb === 'ack' ? acknowledge(p, journey, action.actionId, now) : unacknowledge(p, journey, action.actionId, now)),
        known,
      ),
      this.votes(user, 'personal'),
    ]);
    this.observers.telemetry?.count('acknowledgements', { action: action.actionId, change: action.verb, via: 'chat' });
    if (action.verb === 'ack' && summarise(progress, journey).complete) return this.cards.complete(progress, user);
    const answer = action.intent === undefined ? undefined : this.answerer.answerIntent(action.intent, { progress, votes });
    if (answer) return answer;
    const stepId = stepOfAction(journey, action.actionId)?.id;
    return this.cards.view(action.view === 'complete' ? 'checklist' : action.view, progress, stepId, user, this.stepVote(votes, stepId ?? progress.stepId));
  }

  /** "Next" / "Back": the step the button names (a step that is gone: the card is out of date). */
  async showStep(user: UserRef, stepId: string, known?: RecordSeen): Promise<CardJson> {
    if (stepIndex(this.content.journey, stepId) < 0) return this.cards.notice('staleCard');
    return this.goTo(user, stepId, known);
  }

  /** Universal Actions refresh: the latest version of the card the user is looking at. */
  async refresh(user: UserRef, action: Extract<JourneyCardAction, { verb: 'refresh' }>): Promise<CardJson> {
    const journey = this.content.journey;
    // Read side by side (one store round trip on Blob Storage, not two); the votes only for a step card.
    const [stored, votes] = await Promise.all([this.users.progress(user), action.view === 'step' ? this.votes(user, 'personal') : undefined]);
    let progress = stored;
    if (!progress) {
      // The welcome card can be seen before the welcome is recorded (an LA's push records it after Teams posts
      // it): a welcomed user's card shows their journey, not "not started".
      const welcome = (await this.users.record(user))?.welcome;
      if (welcome?.claimedAt === undefined && welcome?.sentAt === undefined) return this.cards.notice('notStarted');
      progress = await this.ensureProgress(user);
    }
    if (action.stepId !== undefined && stepIndex(journey, action.stepId) < 0) return this.cards.notice('staleCard');
    return this.cards.view(action.view, progress, action.stepId, user, this.stepVote(votes, action.stepId ?? progress.stepId));
  }

  /** Ticks or unticks an action from the checklist tab: the same acknowledgement as in chat. Undefined for an unknown action. */
  async setAcknowledged(user: UserRef, actionId: string, done: boolean): Promise<Progress | undefined> {
    const journey = this.content.journey;
    if (!findAction(journey, actionId)) return undefined;
    const now = this.now();
    const progress = await this.ensureProgress(user, (p) => (done ? acknowledge(p, journey, actionId, now) : unacknowledge(p, journey, actionId, now)));
    this.observers.telemetry?.count('acknowledgements', { action: actionId, change: done ? 'ack' : 'unack', via: 'tab' });
    return progress;
  }

  /** The user's progress, if they have started. */
  progress(user: UserRef): Promise<Progress | undefined> {
    return this.users.progress(user);
  }

  /**
   * A "Helpful" / "Not helpful" press: counted when the card still shows the current words of its answer or step, and
   * the card comes back with the vote. From an old card (an answer or step that is gone, or whose words changed) it is
   * not counted: the card comes back with the current words, and says so.
   */
  async vote(user: UserRef, action: Extract<JourneyCardAction, { verb: 'feedback' }>, known?: RecordSeen): Promise<CardJson> {
    const feedback = this.feedback;
    if (!feedback) return this.cards.notice('staleCard');
    const question = action.q === '' ? undefined : action.q;
    if (action.subject === 'answer') {
      const answer = this.content.intents.answers.get(action.id);
      if (!answer) return this.cards.notice('staleCard');
      const progress = await this.users.progress(user);
      if (answerSubject(answer).rev !== action.rev) {
        return (
          this.answerer.answerIntent(answer.id, { progress, votes: await feedback.votesOf(user), question, changed: true }) ?? this.cards.notice('staleCard')
        );
      }
      const votes = await feedback.vote(user, 'answer', answer.id, action.rev, action.vote, question);
      return this.answerer.answerIntent(answer.id, { progress, votes, question }) ?? this.cards.notice('staleCard');
    }
    const step = this.content.journey.steps.find((s) => s.id === action.id);
    if (!step) return this.cards.notice('staleCard');
    const progress = await this.ensureProgress(user, undefined, known);
    if (stepSubject(step).rev !== action.rev)
      return this.cards.step(progress, step.id, user, { vote: this.stepVote(await feedback.votesOf(user), step.id).vote, changed: true });
    const votes = await feedback.vote(user, 'step', step.id, action.rev, action.vote, undefined);
    return this.cards.step(progress, step.id, user, this.stepVote(votes, step.id));
  }

  /** The user's votes where the card will be theirs alone (personal chat); undefined elsewhere. */
  private async votes(user: UserRef, where: Where): Promise<UserVotes | undefined> {
    return this.feedback && where === 'personal' ? this.feedback.votesOf(user) : undefined;
  }

  /** What an answer card needs: the user's progress (to tick an action) and, in personal chat, their votes. */
  private async answerContext(user: UserRef, where: Where): Promise<AnswerContext> {
    const [progress, votes] = await Promise.all([this.users.progress(user), this.votes(user, where)]);
    return { progress, votes };
  }

  /** The user's vote on a step's current words, for its card. */
  private stepVote(votes: UserVotes | undefined, stepId: string): { vote: UserVotes[string]['vote'] | undefined } {
    const step = this.content.journey.steps.find((s: Step) => s.id === stepId);
    const mine = votes?.[subjectKey('step', stepId)];
    return { vote: step && mine && mine.rev === stepSubject(step).rev ? mine.vote : undefined };
  }

  /**
   * The step card of the step the user is on, with their vote on it. The votes are read while the progress is read
   * (or saved), not after: on Blob Storage each is a request to the account, and the card waits for both.
   */
  private async stepCard(user: UserRef, pending: Promise<Progress>): Promise<CardJson> {
    const [progress, votes] = await Promise.all([pending, this.votes(user, 'personal')]);
    return this.cards.step(progress, progress.stepId, user, this.stepVote(votes, progress.stepId));
  }

  /**
   * Erases everything stored about the user, in every module: what the other modules keep first, the user's record
   * and progress last. A step that fails then leaves the record, so the erasure can run again whole: the user's
   * "forget me" again, or the retention sweep, whose due-day entry stays while the record does. (Erased the other
   * way round, a failed step left data that nothing named any more.)
   */
  async forget(user: UserRef): Promise<void> {
    const record = await this.users.record(user);
    for (const hook of this.forgetHooks) await hook(user, record);
    await this.users.forget(user);
  }

  /** Remembers the user's address (UPN) once Teams has told us. */
  async learnAddress(user: UserRef, address: string): Promise<void> {
    await this.users.updateRecord(user, (current) => (current && current.address !== address ? { ...current, address } : undefined));
  }

  private goTo(user: UserRef, stepId: string, known: RecordSeen | undefined): Promise<CardJson> {
    return this.stepCard(
      user,
      this.ensureProgress(user, (p) => moveTo(p, this.content.journey, stepId, this.now()), known),
    );
  }

  /**
   * The user's progress after an optional change, starting a journey if they have none (never drops the change).
   * `known`: the user's record as this turn's prelude read it (`remember`), so that keeping the due-day index right
   * need not read it again (`UserStore.updateProgressSeeing`).
   */
  private async ensureProgress(user: UserRef, change: (p: Progress) => Progress = (p) => p, known?: RecordSeen): Promise<Progress> {
    const now = this.now();
    let missing = false;
    let update = await this.users.updateProgressSeeing(
      user,
      (current) => {
        if (current === undefined) {
          missing = true;
          return undefined;
        }
        const next = change(current);
        return next === current ? undefined : next;
      },
      known,
    );
    if (missing) {
      // The journey starts now. If an LA's welcome started it (and its card came before its record did), it is theirs.
      const startedBy = (await this.users.record(user))?.welcome.startedBy ?? { kind: 'self' };
      update = await this.users.updateProgressSeeing(
        user,
        (current) => {
          const next = change(current ?? startProgress(this.content.journey, startedBy, now));
          return next === current ? undefined : next;
        },
        update.seen ?? known,
      );
    }
    const { progress, seen } = update;
    if (!progress) throw new Error('progress update returned nothing');
    // The record the update read, if it did, spares the funnel a read of its own.
    await this.quietly(() => this.observers.funnel?.progressed(user, progress, seen));
    return progress;
  }
}

function sameHour(a: string, b: string): boolean {
  return a.slice(0, 13) === b.slice(0, 13);
}
