/**
 * Adapter: Azure Blob storage for the start-up row. Azurite comes from the project's own test helper
 * (node_modules, loopback port, in-memory); the store for seeding is the app's BlobStateStorage, the same
 * class the bot builds for STORAGE=blob. If STORAGE=blob is ever unavailable, set BLOB_STORAGE to false
 * (one line) and the row prints "n/a (blob storage not merged)".
 */
import { BlobStateStorage } from '../../src/state/blobStorage';
import type { AtomicStorage } from '../../src/state/storage';
import { startAzurite as startProjectAzurite, type Azurite, type AzuriteOptions } from '../../test/helpers/azurite';

const BLOB_STORAGE = true;

export const BLOB_CONTAINER = 'welcome-bench';

export function blobStorageAvailable(): boolean {
  return BLOB_STORAGE;
}

export function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  return startProjectAzurite(30_000, options);
}

/** The bot's settings for the blob store. */
export function blobEnv(connectionString: string): Record<string, string> {
  return { STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_CONTAINER: BLOB_CONTAINER };
}

/** The app's own blob store, for seeding. */
export function openBlobStore(connectionString: string, container = BLOB_CONTAINER): AtomicStorage {
  return new BlobStateStorage(connectionString, container);
}
