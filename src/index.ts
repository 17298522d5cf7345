import 'dotenv/config';
import { join } from 'node:path';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/config';
import { isContentError } from './content/errors';
import { errorSummary } from './errorSummary';
import { createLogger } from './log';
import { StoreInUseError } from './state/storeClaim';

/** Starts the bot: configuration, composition, HTTP, and a graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { contentDir: join(__dirname, '..', 'cards') });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let app;
  try {
    app = createApp(config, log);
  } catch (error) {
    if (isContentError(error)) {
      process.stderr.write(`Content error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  try {
    // The file store claims its directory before the bot listens: a second process on it is refused here.
    await app.storage.ping();
  } catch (error) {
    if (error instanceof StoreInUseError || config.storage.kind === 'file') {
      // In use, or a local disk the bot cannot write (read-only, no permission): no point in starting.
      process.stderr.write(`${error instanceof StoreInUseError ? error.message : `the file store cannot be opened: ${JSON.stringify(errorSummary(error))}`}\n`);
      process.exit(2);
    }
    // Azure not reachable yet: /readyz reports the store down until it answers.
  }
  const port = await app.listen();
  log.info({ event: 'server.listening', port, host: config.host, auth: config.appId ? 'bot-framework' : 'anonymous' }, 'bot listening');
  if (!config.appId) {
    log.warn({ event: 'server.anonymous' }, 'no MicrosoftAppId: accepting unauthenticated requests (local development only)');
  }
  if (config.graphSharesBotSecret) {
    log.warn(
      { event: 'config.graphSharesBotSecret' },
      "Microsoft Graph uses the bot's own client secret (GRAPH_CLIENT_SECRET is not set): whoever holds that secret also holds the Graph permissions; set GRAPH_CLIENT_SECRET (or GRAPH_ENABLED=false) to make this explicit",
    );
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'server.stopping', signal }, 'finishing requests in flight');
    void app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => log.error({ event: 'process.unhandledRejection', reason: String(reason) }, 'unhandled rejection'));
}

void main();
