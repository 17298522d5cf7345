import type { AnswerContext, Answerer } from '../journey/journeyFlow';
import type { CardJson, CardRenderer } from '../cards/render';
import { buttonRows, feedbackSection, linkRows, toggleTitles, ukDate } from '../cards/views';
import type { IntentAnswer, IntentContent } from '../content/load';
import { answerSubject, subjectKey } from '../feedback/feedback';
import type { Progress } from '../journey/progress';
import type { Telemetry } from '../telemetry/telemetry';
import { IntentMatcher, type Match } from './matcher';
import { redact, type UnansweredLog } from './unanswered';

/** What a question gets, as the CLI and the reports see it: the verdict and the answer's plain text. */
export interface Reply {
  readonly match: Match;
  /** The intent answered, or undefined for the fallback (and for "did you mean"). */
  readonly intent: string | undefined;
  readonly text: string;
}

/**
 * Questions → answer cards, from the intent map. The same object serves the bot (as its Answerer), the
 * `npm run ask` CLI and the content check.
 */
export class IntentAnswerer implements Answerer {
  readonly matcher: IntentMatcher;

  constructor(
    private readonly intents: IntentContent,
    private readonly renderer: CardRenderer,
    /** Where fallen-back questions go; omitted by the CLI and the content check. */
    private readonly unanswered?: UnansweredLog,
    private readonly onLogError: (error: unknown) => void = () => undefined,
    private readonly telemetry?: Telemetry,
  ) {
    this.matcher = new IntentMatcher(intents.map);
  }

  async answer(question: string, context: AnswerContext): Promise<CardJson> {
    const match = this.matcher.match(question);
    if (match.kind === 'fallback' && this.unanswered) {
      // Losing a log entry must never cost the user their answer.
      await this.unanswered.record(question, match.candidates).catch(this.onLogError);
    }
    // The verdict only: never the question.
    const outcome =
      match.kind === 'answer'
        ? this.intents.answers.get(match.intent)?.safety
          ? 'safety'
          : 'answered'
        : match.kind === 'didYouMean'
          ? 'didYouMean'
          : match.offTopic
            ? 'offTopic'
            : 'fallback';
    this.telemetry?.count('questions', { outcome });
    // The vote buttons carry the question, masked, so that a "not helpful" can say what was asked.
    return this.cardFor(match, context.progress, { ...context, question: redact(question) });
  }

  answerIntent(intentId: string, context: AnswerContext): CardJson | undefined {
    const answer = this.intents.answers.get(intentId);
    if (!answer) return undefined;
    // Shown again after a vote: a safety answer keeps offering the topic its question was also about.
    const again = context.question ? this.matcher.match(context.question) : undefined;
    const also = again?.kind === 'answer' && again.intent === intentId ? again.also : [];
    return this.answerCard(answer, context.progress, also, context);
  }

  /** The verdict and plain text for a question (CLI, reports); nothing is logged. */
  reply(question: string): Reply {
    const match = this.matcher.match(question);
    if (match.kind === 'answer') {
      const answer = this.intents.answers.get(match.intent) as IntentAnswer;
      const also = match.also.map((id) => `${this.intents.alsoAsked} ${this.intents.answers.get(id)?.title ?? id}`);
      return { match, intent: match.intent, text: [answer.title, ...answer.lines, ...also].join('\n') };
    }
    if (match.kind === 'didYouMean') {
      const titles = match.intents.map((id) => this.intents.answers.get(id)?.title ?? id);
      return { match, intent: undefined, text: [this.intents.didYouMean.title, ...titles.map((t) => `- ${t}`)].join('\n') };
    }
    const fallback = match.offTopic ? this.intents.offTopic : this.intents.fallback;
    return { match, intent: undefined, text: [fallback.title, ...fallback.lines].join('\n') };
  }

  /** The card for a verdict; `feedback` (the user's votes, in personal chat) adds "Was this helpful?" to an answer. */
  cardFor(match: Match, progress: Progress | undefined, feedback?: AnswerContext): CardJson {
    switch (match.kind) {
      case 'answer':
        return this.answerCard(this.intents.answers.get(match.intent) as IntentAnswer, progress, match.also, feedback);
      case 'didYouMean':
        return this.renderer.render('did-you-mean', {
          title: this.intents.didYouMean.title,
          lines: this.intents.didYouMean.lines.map((text) => ({ text })),
          choiceRows: buttonRows(match.intents.map((id) => ({ id, title: this.intents.answers.get(id)?.title ?? id }))).map((choices) => ({ choices })),
        });
      case 'fallback': {
        // Off-topic questions are not sent to the national helpdesk or the LA: their card offers only what the bot does.
        const fallback = match.offTopic ? this.intents.offTopic : this.intents.fallback;
        return this.renderer.render('fallback', { title: fallback.title, lines: fallback.lines.map((text) => ({ text })), offerHelp: !match.offTopic });
      }
    }
  }

  /** Every card this answerer can send, for the content check and the card tests. */
  allCards(progress?: Progress): { readonly name: string; readonly card: CardJson }[] {
    const cards = [...this.intents.answers.values()].map((a) => ({ name: `answer ${a.id}`, card: this.answerCard(a, progress, []) }));
    const [first, second] = [...this.intents.answers.keys()];
    cards.push({
      name: 'did you mean',
      card: this.cardFor({ kind: 'didYouMean', intents: [first as string, second as string], confidence: 0.5, candidates: [] }, undefined),
    });
    cards.push({ name: 'fallback', card: this.cardFor({ kind: 'fallback', confidence: 0, candidates: [], offTopic: false }, undefined) });
    cards.push({ name: 'off-topic fallback', card: this.cardFor({ kind: 'fallback', confidence: 0, candidates: [], offTopic: true }, undefined) });
    return cards;
  }

  /** An answer card; `also` are the topics a safety answer offers after its advice. */
  private answerCard(answer: IntentAnswer, progress: Progress | undefined, also: readonly string[], context?: AnswerContext): CardJson {
    const action = answer.action;
    const subject = answerSubject(answer);
    const votes = context?.votes;
    const doneAt = action && progress ? progress.acknowledged[action.id] : undefined;
    const alsoAsked = also.flatMap((id) => {
      const topic = this.intents.answers.get(id);
      return topic ? [{ id: topic.id, title: topic.title }] : [];
    });
    const related = answer.related.filter((r) => !also.includes(r.id)).slice(0, 3 - Math.min(alsoAsked.length, 3));
    return this.renderer.render('answer', {
      id: answer.id,
      title: answer.title,
      // Who sent the welcome is the first person to ask ("who is my LA"): named from what the push recorded.
      lines: [
        ...(answer.sentByLa && progress?.startedBy.kind === 'la' ? [answer.sentByLa.before + progress.startedBy.name + answer.sentByLa.after] : []),
        ...answer.lines,
      ].map((text) => ({ text })),
      linkRows: linkRows(answer.links),
      // Only where the user has a checklist (personal chat): in a channel there is nothing to tick.
      hasAction: action !== undefined && progress !== undefined,
      action: action
        ? {
            id: action.id,
            title: action.title,
            mustDo: action.mustDo,
            acknowledged: doneAt !== undefined,
            doneOn: doneAt ? ukDate(doneAt) : '',
            ...toggleTitles(action),
          }
        : { id: '', title: '', mustDo: false, acknowledged: false, doneOn: '', doneTitle: '', undoTitle: '' },
      alsoAsked: this.intents.alsoAsked,
      alsoRows: buttonRows(alsoAsked).map((questions) => ({ questions })),
      hasAlso: alsoAsked.length > 0,
      relatedRows: buttonRows(related).map((questions) => ({ questions })),
      offerHelpdesk: answer.id !== 'helpdesk' && !related.some((r) => r.id === 'helpdesk'),
      // Votes are the user's own: only in personal chat, where the card is theirs alone.
      hasFeedback: votes !== undefined,
      feedback: feedbackSection(this.intents.feedback, subject, {
        vote: votes?.[subjectKey('answer', answer.id)]?.rev === subject.rev ? votes[subjectKey('answer', answer.id)]?.vote : undefined,
        changed: context?.changed === true,
        question: context?.question,
      }),
    });
  }
}
