import { join } from 'node:path';
import type { Config } from '../config/config';
import { FileAuditTrail, type AuditTrail } from './audit';
import type { BlobAuditTrail as BlobTrail } from './blobAudit';

/**
 * The audit trail configuration names: with STORAGE=blob, append blobs in the shared container (every
 * instance writes to one trail); otherwise a JSON-lines file in DATA_DIR beside the file store.
 */
export function createAuditTrail(config: Pick<Config, 'storage' | 'dataDir'>): AuditTrail {
  if (config.storage.kind === 'blob') {
    // Loaded only when used, like the blob store (src/state/createStorage.ts).
    const { BlobAuditTrail } = require('./blobAudit') as { BlobAuditTrail: typeof BlobTrail };
    return new BlobAuditTrail(config.storage.access, config.storage.container);
  }
  return new FileAuditTrail(join(config.dataDir, 'audit.jsonl'));
}
