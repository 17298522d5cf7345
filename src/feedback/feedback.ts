import { createHash } from 'node:crypto';
import type { IntentAnswer } from '../content/load';
import type { FeedbackCopy } from '../content/schema';
import type { Step } from '../journey/journey';

/** What a user can say about an answer or a step. */
export const VOTES = ['helpful', 'notHelpful'] as const;
export type Vote = (typeof VOTES)[number];

/** What can be voted on: an answer (by intent id) or a journey step (by step id). */
export const SUBJECT_KINDS = ['answer', 'step'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** One answer or step as its card shows it now. */
export interface Subject {
  readonly kind: SubjectKind;
  readonly id: string;
  readonly title: string;
  /** Fingerprint of the words the card shows: a vote from a card with other words is about text that is gone. */
  readonly rev: string;
}

/** A user's own vote on one subject, kept in their state so they can change it and forget me can take it back. */
export interface UserVote {
  readonly vote: Vote;
  readonly rev: string;
  readonly at: string;
  /** The tally entry of the question they asked, when they said "not helpful" to a typed question. */
  readonly questionId?: string;
}

/** A user's votes by subject key ("answer:password-reset", "step:security"). */
export type UserVotes = Readonly<Record<string, UserVote>>;

/** The key of a subject among a user's votes. */
export function subjectKey(kind: SubjectKind, id: string): string {
  return `${kind}:${id}`;
}

/** A short fingerprint of a card's words (title, text, links): changes whenever an editor changes what it says. */
export function revision(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12);
}

/** What the card shows about the user's vote. */
export interface FeedbackState {
  readonly vote: Vote | undefined;
  /** The vote came from a card whose words have changed since: it was not counted. */
  readonly changed?: boolean;
  /** The (masked) question the answer card answered, carried so that "not helpful" can say what was asked. */
  readonly question?: string | undefined;
}

/** A vote button: its name says what it is about, "this answer" or "this step" (a screen reader reads only the name). */
export interface FeedbackButton {
  readonly title: string;
  readonly tooltip: string;
  readonly data: Readonly<Record<string, string>>;
}

/** The vote section of an answer or step card: its prompt, the user's vote in words, and the two buttons. */
export function feedbackView(copy: FeedbackCopy, subject: Subject, state: FeedbackState): { prompt: string; status: string; buttons: FeedbackButton[] } {
  const status = state.changed ? copy.changed : state.vote === 'helpful' ? copy.votedHelpful : state.vote === 'notHelpful' ? copy.votedNotHelpful : '';
  const button = (vote: Vote): FeedbackButton => ({
    title: (vote === 'helpful' ? copy.helpful : copy.notHelpful).replace('{subject}', copy.subjects[subject.kind]),
    tooltip: (vote === 'helpful' ? copy.helpfulTooltip : copy.notHelpfulTooltip).replace('{title}', subject.title),
    // Strings only: the card's Action.Submit fallback and the invoke both carry this back as is.
    data: { verb: 'feedback', subject: subject.kind, id: subject.id, rev: subject.rev, vote, q: state.question ?? '' },
  });
  return {
    prompt: copy.prompt,
    status,
    buttons: [button('helpful'), button('notHelpful')],
  };
}

/** A journey step as a subject: its fingerprint covers everything the step card says. */
export function stepSubject(step: Step): Subject {
  return once(step, () => stepSubjectOf(step));
}

/** Content is loaded once and never changes while the bot runs: each step's and answer's subject is worked out once. */
const subjects = new WeakMap<object, Subject>();
function once(of: object, make: () => Subject): Subject {
  let subject = subjects.get(of);
  if (!subject) {
    subject = make();
    subjects.set(of, subject);
  }
  return subject;
}

function stepSubjectOf(step: Step): Subject {
  const words = [
    step.title,
    ...step.paragraphs,
    ...step.links.map((l) => l.url),
    ...step.actions.flatMap((a) => [a.title, ...a.guidance, ...a.links.map((l) => l.url)]),
  ];
  return { kind: 'step', id: step.id, title: step.title, rev: revision(words) };
}

/** An answer as a subject: its fingerprint covers the answer's title, lines and links. */
export function answerSubject(answer: IntentAnswer): Subject {
  return once(answer, () => ({
    kind: 'answer',
    id: answer.id,
    title: answer.title,
    rev: revision([answer.title, ...answer.lines, ...answer.links.map((l) => l.url)]),
  }));
}
