/**
 * `npm run report:unanswered [-- --json]`: the questions the bot could not answer (kept for
 * UNANSWERED_RETENTION_DAYS, without who asked), grouped by their normalised words, most asked first,
 * with the nearest intent, so content editors know which phrases to add to cards/intents.json.
 */
import 'dotenv/config';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStorage } from '../state/createStorage';
import { loadConfig } from '../config/config';
import { loadContent } from '../content/load';
import { IntentMatcher } from '../intents/matcher';
import { groupQuestions, UnansweredLog } from '../intents/unanswered';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const matcher = new IntentMatcher(loadContent(config.contentDir).intents.map);
  const log = new UnansweredLog(createStorage(config, { readOnly: true }), config.retention.unansweredDays, () => new Date());
  const questions = await log.list();
  const groups = groupQuestions(questions, (text) => matcher.normaliser.tokens(text).join(' '));
  for (const g of groups) {
    if (values.json) process.stdout.write(`${JSON.stringify(g)}\n`);
    else
      process.stdout.write(
        `${String(g.count).padStart(4)}  ${g.examples.join(' | ')}${g.nearest ? `  (nearest: ${g.nearest})` : ''}  last ${g.lastAt.slice(0, 10)}\n`,
      );
  }
  if (!values.json)
    process.stdout.write(`${questions.length} unanswered question(s) in the last ${config.retention.unansweredDays} days, ${groups.length} group(s)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
