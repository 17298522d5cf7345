/**
 * `npm run remind`: nudges starters whose must-do actions are still open (REMINDER_AFTER_DAYS, REMINDER_MAX),
 * within working hours only (REMINDER_HOURS, REMINDER_WEEKDAYS, REMINDER_TIMEZONE). Run it from a scheduler
 * (cron, an Azure Container Apps job) a few times each working day; running it twice sends nothing twice.
 * It queues the reminders in the store and delivers them (and any other queued delivery) through the
 * rate-limited sender, then exits. With STORAGE=file, use REMINDER_INTERVAL_MINUTES in the bot itself: the file
 * store is for one process, and this command is refused while the bot runs on it (docs/storage.md).
 */
import 'dotenv/config';
import { join } from 'node:path';
import { createApp } from '../app';
import { loadConfig } from '../config/config';
import { createLogger } from '../log';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const app = createApp(config, createLogger(config.logLevel));
  const report = await app.jobs.reminders();
  if (report.outsideHours) {
    process.stdout.write('outside working hours: no reminders queued\n');
  } else {
    app.deliveries.start();
    await app.deliveries.drain();
    process.stdout.write(`checked ${report.checked} users; queued ${report.queued} reminders; all deliveries done\n`);
  }
  await app.deliveries.stop();
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
