import { join } from 'node:path';
import type { Config } from '../config/config';
import { BlobStateStorage } from './blobStorage';
import { FileStorage } from './fileStorage';
import { AtomicMemoryStorage } from './memoryStorage';
import type { AtomicStorage } from './storage';

/** The store configuration names (also used by the npm scripts that read state). */
export function createStorage(config: Config): AtomicStorage {
  switch (config.storage.kind) {
    case 'memory':
      return new AtomicMemoryStorage();
    case 'file':
      return new FileStorage(join(config.dataDir, 'state'));
    case 'blob':
      return new BlobStateStorage(config.storage.connectionString, config.storage.container);
  }
}
