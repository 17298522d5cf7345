import { cardProblems } from '../cards/cardRules';
import { CardRenderer } from '../cards/render';
import { JourneyCards } from '../cards/views';
import { loadContent, type Content } from '../content/load';
import { readabilityProblems } from '../content/readability';
import { startProgress } from '../journey/progress';
import { IntentAnswerer } from './answerer';

/**
 * Everything `npm run content:check` (and the tests) check beyond the load-time schema: every intent is
 * reachable by a question, no phrase is claimed by two intents, every link is https on the allow-list, and
 * every answer and journey card is valid for Teams. Returns the faults; empty means the content may ship.
 */
export function checkContent(contentDir: string): string[] {
  let content: Content;
  try {
    content = loadContent(contentDir);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  const faults: string[] = [];
  const renderer = new CardRenderer(content.templates);
  const answerer = new IntentAnswerer(content.intents, renderer);

  const allIntents = [...content.intents.map.safety.intents, ...content.intents.map.intents];
  // Reachable: each intent's own title, or failing that one of its phrases, is answered with that intent.
  for (const intent of allIntents) {
    const tries = [content.intents.answers.get(intent.id)?.title ?? '', ...intent.phrases];
    if (!tries.some((q) => answerer.reply(q).intent === intent.id)) {
      faults.push(`intents.json: intent "${intent.id}" is unreachable: neither its title nor any of its phrases is answered with it`);
    }
  }

  // Every entry must still say something after normalisation (a phrase of stopwords matches nothing).
  for (const signal of content.intents.map.safety.signals) {
    for (const [field, list] of Object.entries({ phrases: signal.phrases, guards: signal.guards })) {
      for (const entry of list) {
        if (answerer.matcher.normaliser.tokens(entry).length === 0)
          faults.push(`intents.json: "${entry}" in safety signal ${signal.id}.${field} is only stopwords and matches nothing`);
      }
    }
  }
  for (const intent of allIntents) {
    const entries = { phrases: intent.phrases, keywords: Object.keys(intent.keywords), requires: intent.requires, guards: intent.guards };
    for (const [field, list] of Object.entries(entries)) {
      for (const entry of list) {
        if (answerer.matcher.normaliser.tokens(entry).length === 0)
          faults.push(`intents.json: "${entry}" in ${intent.id}.${field} is only stopwords and matches nothing`);
      }
    }
  }

  // One owner per phrase, after normalisation ("Reset passwords" and "reset my password" are the same phrase).
  const owners = new Map<string, string>();
  for (const [id, phrases] of answerer.matcher.compiledPhrases()) {
    for (const phrase of phrases) {
      const owner = owners.get(phrase);
      if (owner !== undefined && owner !== id) faults.push(`intents.json: the phrase "${phrase}" is claimed by both "${owner}" and "${id}"`);
      owners.set(phrase, id);
    }
  }

  // Links: https and on the allow-list is already enforced by loadContent (links.json schema and resolveLinks).

  // Plain English: each step and each answer within the readability budget (docs/cards.md).
  for (const step of content.journey.steps) {
    const text = [...step.paragraphs, ...step.actions.flatMap((a) => [`${a.title}.`, ...a.guidance])].join('\n');
    for (const problem of readabilityProblems(text)) faults.push(`journey.json: step "${step.id}": ${problem}`);
  }
  for (const answer of content.intents.answers.values()) {
    for (const problem of readabilityProblems(answer.lines.join('\n'))) faults.push(`intents.json: answer "${answer.id}": ${problem}`);
  }

  const journeyCards = new JourneyCards(content, renderer);
  const fresh = startProgress(content.journey, { kind: 'self' }, new Date('2026-01-01T00:00:00Z'));
  const viewer = { userId: '29:content-check' };
  const cards = [
    ...answerer.allCards(fresh),
    ...content.journey.steps.map((s) => ({ name: `step ${s.id}`, card: journeyCards.step(fresh, s.id, viewer) })),
    { name: 'checklist', card: journeyCards.checklist(fresh, viewer) },
    { name: 'help', card: journeyCards.help() },
  ];
  for (const { name, card } of cards) for (const problem of cardProblems(card)) faults.push(`${name} card: ${problem}`);
  return faults;
}
