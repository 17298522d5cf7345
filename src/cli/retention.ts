/**
 * `npm run retention`: erases journeys past the retention policy (RETENTION_DAYS_AFTER_COMPLETION,
 * RETENTION_DAYS_INACTIVE), as "forget me" would. Run it daily from a scheduler; running it twice is harmless.
 * With STORAGE=file, set RETENTION_INTERVAL_HOURS in the bot instead: the file store is for one process, and this
 * command is refused while the bot runs on it (docs/storage.md).
 */
import 'dotenv/config';
import { join } from 'node:path';
import { createApp } from '../app';
import { loadConfig } from '../config/config';
import { createLogger } from '../log';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const app = createApp(config, createLogger(config.logLevel));
  const report = await app.jobs.retention();
  process.stdout.write(`checked ${report.checked} users; erased ${report.erasedCompleted} completed and ${report.erasedInactive} inactive journeys\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
