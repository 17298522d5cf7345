/**
 * `npm run report:feedback [-- --json]`: the answers and steps people voted on, most "not helpful" first, each with
 * the questions (masked, kept for UNANSWERED_RETENTION_DAYS) that led to a "not helpful", so content owners know
 * what to rewrite in cards/. Counts hold votes on an answer's or step's current words; who voted is not stored here.
 */
import 'dotenv/config';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { loadContent } from '../content/load';
import { answerSubject, stepSubject, type Subject } from '../feedback/feedback';
import { FeedbackStore } from '../feedback/feedbackStore';
import { createStorage } from '../state/createStorage';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const content = loadContent(config.contentDir);
  const subjects = new Map<string, Subject>([
    ...[...content.intents.answers.values()].map((a) => [`answer:${a.id}`, answerSubject(a)] as const),
    ...content.journey.steps.map((s) => [`step:${s.id}`, stepSubject(s)] as const),
  ]);
  const store = new FeedbackStore(createStorage(config, { readOnly: true }), config.stateWriteRetries, config.retention.unansweredDays, () => new Date());
  const tallies = await store.report();
  for (const t of tallies) {
    const subject = subjects.get(`${t.kind}:${t.id}`);
    // A tally of words an editor has since changed (or removed): nobody has voted on the new words yet.
    const status = !subject ? 'removed' : subject.rev === t.rev ? 'current' : 'changed';
    const questions = t.questions.map((q) => ({ text: q.text, at: q.at }));
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ kind: t.kind, id: t.id, title: subject?.title ?? null, words: status, since: t.since, notHelpful: t.notHelpful, helpful: t.helpful, questions })}\n`,
      );
      continue;
    }
    const title = subject ? `“${subject.title}”` : '(no longer in cards/)';
    const note = status === 'changed' ? ', words changed since' : '';
    process.stdout.write(
      `${String(t.notHelpful).padStart(4)} not helpful ${String(t.helpful).padStart(4)} helpful  ${t.kind} ${t.id} ${title}  since ${t.since.slice(0, 10)}${note}\n`,
    );
    for (const q of [...questions].reverse()) process.stdout.write(`        - ${q.text}  (${q.at.slice(0, 10)})\n`);
  }
  if (!values.json) {
    process.stdout.write(`${tallies.length} answer(s) and step(s) with votes; questions kept for ${config.retention.unansweredDays} days\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
