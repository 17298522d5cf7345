import { join } from 'node:path';
import type { Config } from '../config/config';
import type { BlobStateStorage as BlobStore } from './blobStorage';
import { FileStorage } from './fileStorage';
import { AtomicMemoryStorage } from './memoryStorage';
import type { AtomicStorage } from './storage';

/**
 * The store configuration names (also used by the npm scripts). `readOnly` is for the reports: a file store opened so
 * claims nothing and writes nothing, so a report may run beside the bot.
 */
export function createStorage(
  config: Config,
  { readOnly = false, onLost }: { readonly readOnly?: boolean; readonly onLost?: (error: Error) => void } = {},
): AtomicStorage {
  switch (config.storage.kind) {
    case 'memory':
      return new AtomicMemoryStorage();
    case 'file':
      return new FileStorage(join(config.dataDir, 'state'), undefined, { readOnly, ...(onLost ? { onLost } : {}) });
    case 'blob': {
      // Loaded only when used: the Azure SDK adds about 10 MB to every process that merely imports it.
      const { BlobStateStorage } = require('./blobStorage') as { BlobStateStorage: typeof BlobStore };
      return new BlobStateStorage(config.storage.access, config.storage.container);
    }
  }
}
