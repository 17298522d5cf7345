/**
 * A starter's whole journey through the card views, for tests of how cards are built: every step before and after its
 * actions are ticked (with a vote), the checklist, the completion card, and every answer. The renderer given sees
 * each render call.
 */
import type { CardRenderer } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import type { Content } from '../../src/content/load';
import type { FeedbackState } from '../../src/feedback/feedback';
import { IntentAnswerer } from '../../src/intents/answerer';
import { acknowledge, startProgress } from '../../src/journey/progress';

export function walkJourneyCards(content: Content, renderer: CardRenderer, vote: FeedbackState['vote'] = 'helpful'): void {
  const cards = new JourneyCards(content, renderer);
  const answerer = new IntentAnswerer(content.intents, renderer);
  const now = new Date('2026-12-07T09:00:00Z');
  let progress = startProgress(content.journey, { kind: 'la', name: 'Jane Smith', aadObjectId: 'la-1', pushId: 'push-1' }, now);
  for (const step of content.journey.steps) {
    cards.step(progress, step.id, { userId: '29:starter' });
    for (const action of step.actions) progress = acknowledge(progress, content.journey, action.id, now);
    cards.step(progress, step.id, { userId: '29:starter' }, { vote });
  }
  cards.checklist(progress, { userId: '29:starter' });
  cards.complete(progress, { userId: '29:starter' });
  for (const intent of content.intents.answers.keys()) answerer.answerIntent(intent, { progress, votes: {}, question: 'how do I ***' });
}
