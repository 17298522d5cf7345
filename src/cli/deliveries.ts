/**
 * `npm run deliveries -- poison [--json]`          lists the poison queue: deliveries the worker stopped trying
 * `npm run deliveries -- replay <id>... | --all`   queues them again, due now, with fresh counts
 * `npm run deliveries -- count`                    deliveries waiting
 * Reads the queue the configuration names (Azure Queue Storage with STORAGE=blob, else the store's own queue), so run
 * it with the bot's settings. `poison` and `count` only read: with the file store they open it read-only and run
 * beside the bot. `replay` writes: with the file store, stop the bot first (the store is for one process, and
 * refuses a second writer).
 */
import 'dotenv/config';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config/config';
import { systemDeliveryClock } from '../delivery/clock';
import { DEFAULT_QUEUE_SETTINGS, DeliveryQueue } from '../delivery/queue';
import { createDeliveryTransport } from '../delivery/transports';
import { createLogger } from '../log';
import { createStorage } from '../state/createStorage';

const Id = z.string().min(1).max(512);

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
  });
  const [command, ...rest] = positionals;
  const config = loadConfig(process.env, { contentDir: join(__dirname, '..', '..', 'cards') });
  const log = createLogger(config.logLevel);
  const storage = createStorage(config, { readOnly: command === 'poison' || command === 'count' });
  const transport = createDeliveryTransport(config, storage, systemDeliveryClock, log);
  // No handlers and never started: this process only reads and moves deliveries.
  const queue = new DeliveryQueue({
    storage,
    handlers: {},
    clock: systemDeliveryClock,
    log,
    settings: DEFAULT_QUEUE_SETTINGS,
    ...(transport ? { transport } : {}),
  });
  switch (command) {
    case 'poison': {
      const poisoned = await queue.poisoned();
      for (const p of poisoned) {
        if (values.json) process.stdout.write(`${JSON.stringify(p)}\n`);
        else process.stdout.write(`${p.id}  ${p.kind}  ${new Date(p.at).toISOString()}  ${p.reason}${p.lastError ? `  last error ${p.lastError}` : ''}\n`);
      }
      if (!values.json) process.stdout.write(`${poisoned.length} in the poison queue\n`);
      return 0;
    }
    case 'replay': {
      if (!values.all && rest.length === 0) throw new Error('replay: name the deliveries (ids from "poison"), or --all');
      const ids = values.all ? undefined : rest.map((id) => Id.parse(id));
      process.stdout.write(`${await queue.replay(ids)} queued again\n`);
      return 0;
    }
    case 'count':
      process.stdout.write(`${await queue.count()} waiting\n`);
      return 0;
    default:
      throw new Error('usage: npm run deliveries -- poison [--json] | replay <id>... | replay --all | count');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
