/**
 * `npm run --silent ask -- [--json]`: reads one question a line on standard input and answers each with the
 * bot's own intent map and matcher. With --json, one object a line:
 * {"question", "intent" (id, or null when it falls back or asks "did you mean"), "confidence", "answer"}.
 * Questions may also be given as arguments: npm run --silent ask -- "who is my LA".
 */
import 'dotenv/config';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CardRenderer } from '../src/cards/render';
import { loadContent } from '../src/content/load';
import { IntentAnswerer } from '../src/intents/answerer';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  const content = loadContent(process.env.CONTENT_DIR ?? join(__dirname, '..', 'cards'), {
    ...(process.env.SERVICE_NAME ? { serviceName: process.env.SERVICE_NAME } : {}),
  });
  const answerer = new IntentAnswerer(content.intents, new CardRenderer(content.templates));
  const answer = (question: string): void => {
    const reply = answerer.reply(question);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ question, intent: reply.intent ?? null, confidence: reply.match.confidence, answer: reply.text })}\n`);
    } else {
      const verdict =
        reply.match.kind === 'answer'
          ? `${reply.match.intent}`
          : reply.match.kind === 'didYouMean'
            ? `did you mean ${reply.match.intents.join(' or ')}`
            : 'fallback';
      process.stdout.write(`> ${question}\n[${verdict}, confidence ${reply.match.confidence}]\n${reply.text}\n\n`);
    }
  };
  if (positionals.length > 0) {
    positionals.forEach(answer);
    return;
  }
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() !== '') answer(line.trim());
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
