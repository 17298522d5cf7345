import { randomUUID } from 'node:crypto';
import { redact } from '../intents/unanswered';
import { KeyedLock } from '../state/keyedLock';
import { keys, prefixes } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import { readItem, updateItem } from '../state/update';
import type { UserRef } from '../state/users';
import { subjectKey, type SubjectKind, type UserVote, type UserVotes, type Vote } from './feedback';

/** Questions kept per answer or step behind its "not helpful" votes (newest kept): enough to see a pattern, never a log. */
export const MAX_QUESTIONS = 20;
/** Votes kept per user: more than there are answers and steps, so only votes on content long gone are dropped. */
export const MAX_VOTES_PER_USER = 200;

/** A masked question that led to a "not helpful" vote; its id is known only to the voter's own state. */
export interface TalliedQuestion {
  readonly id: string;
  readonly text: string;
  readonly at: string;
}

/** The anonymous tally of one answer or step, for the words it has now: counts, and the questions behind "not helpful". */
export interface Tally {
  readonly kind: SubjectKind;
  readonly id: string;
  readonly rev: string;
  /** When the first vote on these words came. */
  readonly since: string;
  readonly helpful: number;
  readonly notHelpful: number;
  readonly questions: readonly TalliedQuestion[];
}

interface VotesItem {
  votes: UserVotes;
}

type Who = Pick<UserRef, 'tenantId' | 'userId' | 'aadObjectId'>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Votes on answers and steps. Each user's own votes live under their key (one vote per answer or step, changeable;
 * erased by forget me and retention, which take the vote back out of the tally). The tallies say nothing of who voted:
 * counts, and the masked questions behind "not helpful", each dated and dropped after the retention period (the same
 * UNANSWERED_RETENTION_DAYS as unanswered questions). Every write is an eTag read-modify-write.
 */
export class FeedbackStore {
  /**
   * One vote at a time per user in this process, so that their vote and the tally change in the same order (a
   * double press of both buttons cannot leave a count that no vote stands behind). eTags guard each item across instances.
   */
  private readonly lock = new KeyedLock();

  constructor(
    private readonly storage: AtomicStorage,
    private readonly retries: number,
    private readonly retentionDays: number,
    private readonly now: () => Date,
  ) {}

  /** The user's votes, by subject key. */
  async votesOf(user: Who): Promise<UserVotes> {
    return (await readItem<VotesItem>(this.storage, votesKey(user)))?.votes ?? {};
  }

  /**
   * Records the user's vote on the words `rev` of an answer or step (the caller checked they are the current words).
   * A repeated vote changes nothing; a changed vote moves the count from one side to the other. `question` is the
   * question the answer card answered, kept (masked) with a "not helpful" vote.
   */
  vote(user: Who, kind: SubjectKind, id: string, rev: string, vote: Vote, question: string | undefined): Promise<UserVotes> {
    return this.lock.run(votesKey(user), () => this.record(user, kind, id, rev, vote, question));
  }

  private async record(user: Who, kind: SubjectKind, id: string, rev: string, vote: Vote, question: string | undefined): Promise<UserVotes> {
    const at = this.now().toISOString();
    const key = subjectKey(kind, id);
    const text = question === undefined ? '' : redact(question.trim());
    let previous: UserVote | undefined;
    let next: UserVote | undefined;
    const item = await updateItem<VotesItem>(
      this.storage,
      votesKey(user),
      (current) => {
        const votes = current?.votes ?? {};
        previous = votes[key];
        next = undefined;
        if (previous && previous.vote === vote && previous.rev === rev) return undefined;
        next = { vote, rev, at, ...(vote === 'notHelpful' && text !== '' ? { questionId: randomUUID() } : {}) };
        return { votes: bounded({ ...votes, [key]: next }) };
      },
      this.retries,
    );
    const recorded = next;
    if (recorded) {
      const taken = previous && previous.rev === rev ? previous : undefined;
      await this.updateTally(kind, id, rev, (tally) => {
        const questions = tally.questions.filter((q) => q.id !== taken?.questionId);
        if (recorded.questionId !== undefined) questions.push({ id: recorded.questionId, text, at });
        return {
          ...tally,
          helpful: tally.helpful + (recorded.vote === 'helpful' ? 1 : 0) - (taken?.vote === 'helpful' ? 1 : 0),
          notHelpful: tally.notHelpful + (recorded.vote === 'notHelpful' ? 1 : 0) - (taken?.vote === 'notHelpful' ? 1 : 0),
          questions: questions.slice(-MAX_QUESTIONS),
        };
      });
    }
    return item?.votes ?? {};
  }

  /** Forget me (and retention): takes the user's votes and questions back out of the tallies, then erases their votes. */
  forget(user: Who): Promise<void> {
    return this.lock.run(votesKey(user), () => this.withdraw(user));
  }

  private async withdraw(user: Who): Promise<void> {
    const votes = await this.votesOf(user);
    for (const [key, vote] of Object.entries(votes)) {
      const [kind, id] = splitKey(key);
      if (kind === undefined) continue;
      await this.updateTally(
        kind,
        id,
        vote.rev,
        (tally) => ({
          ...tally,
          helpful: tally.helpful - (vote.vote === 'helpful' ? 1 : 0),
          notHelpful: tally.notHelpful - (vote.vote === 'notHelpful' ? 1 : 0),
          questions: tally.questions.filter((q) => q.id !== vote.questionId),
        }),
        false,
      );
    }
    await this.storage.delete([votesKey(user)]);
  }

  /** Drops questions older than the retention period from every tally (the retention job runs it). Reads one item per answer and step. */
  async sweep(): Promise<void> {
    const cutoff = this.cutoff();
    for await (const key of this.storage.list(prefixes.feedbackTallies)) {
      await updateItem<Tally>(
        this.storage,
        key,
        (current) =>
          current && current.questions.some((q) => q.at < cutoff) ? { ...current, questions: current.questions.filter((q) => q.at >= cutoff) } : undefined,
        this.retries,
      );
    }
  }

  /**
   * Every tally with the questions still within the retention period, most "not helpful" votes first
   * (npm run report:feedback). Reading writes nothing (the report may run beside the bot on a read-only store); older
   * questions are left for the retention job's sweep.
   */
  async report(): Promise<Tally[]> {
    const cutoff = this.cutoff();
    const tallies: Tally[] = [];
    for await (const key of this.storage.list(prefixes.feedbackTallies)) {
      const t = await readItem<Tally>(this.storage, key);
      if (t && typeof t.kind === 'string' && Array.isArray(t.questions)) {
        tallies.push({ ...t, questions: t.questions.filter((q) => q.at >= cutoff), helpful: Math.max(0, t.helpful), notHelpful: Math.max(0, t.notHelpful) });
      }
    }
    return tallies.sort((a, b) => b.notHelpful - a.notHelpful || a.helpful - b.helpful || `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`));
  }

  /**
   * Changes a tally for the words `rev`. Votes on other words do not mix: when the words changed, the tally starts
   * again (a vote counts only against the text it was about). `create` false leaves a missing or other-words tally alone.
   */
  private async updateTally(kind: SubjectKind, id: string, rev: string, change: (tally: Tally) => Tally, create = true): Promise<void> {
    const at = this.now().toISOString();
    const cutoff = this.cutoff();
    await updateItem<Tally>(
      this.storage,
      keys.feedbackTally(kind, id),
      (current) => {
        const same = current !== undefined && current.rev === rev;
        if (!same && !create) return undefined;
        const base: Tally = same ? current : { kind, id, rev, since: at, helpful: 0, notHelpful: 0, questions: [] };
        const next = change({ ...base, questions: base.questions.filter((q) => q.at >= cutoff) });
        // Stored as they add up, never clamped: two instances applying one user's change of vote in either order
        // (-1 then +1, or +1 then -1) end at the same counts. The report shows a negative count as 0.
        return next;
      },
      this.retries,
    );
  }

  private cutoff(): string {
    return new Date(this.now().getTime() - this.retentionDays * DAY_MS).toISOString();
  }
}

function votesKey(user: Who): string {
  return keys.feedbackVotes(user.tenantId, user.aadObjectId ?? user.userId);
}

/** At most MAX_VOTES_PER_USER votes, the newest kept. */
function bounded(votes: Record<string, UserVote>): Record<string, UserVote> {
  const entries = Object.entries(votes);
  if (entries.length <= MAX_VOTES_PER_USER) return votes;
  return Object.fromEntries(entries.sort((a, b) => b[1].at.localeCompare(a[1].at)).slice(0, MAX_VOTES_PER_USER));
}

function splitKey(key: string): [SubjectKind, string] | [undefined, string] {
  const at = key.indexOf(':');
  const kind = key.slice(0, at);
  return kind === 'answer' || kind === 'step' ? [kind, key.slice(at + 1)] : [undefined, key];
}
