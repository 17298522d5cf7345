/**
 * Adapter: Azure Blob storage for the start-up row. STORAGE=blob is being built (src/state/blobStorage.ts);
 * until that module exists the row prints "n/a (blob storage not merged)". Everything else (Azurite on a
 * loopback port, the connection string, the seeding through UserStore, the bot's settings) is ready.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtomicStorage } from '../../src/state/storage';
import { ROOT } from '../lib/build';
import { startChild, type Child } from '../lib/children';

/** The one line to change if the blob store module moves (path from the repository root, without extension). */
const BLOB_STORAGE_MODULE = 'src/state/blobStorage';

export const BLOB_CONTAINER = 'welcome-bench';
/** Azurite's well-known development account (public, documented by Microsoft). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function blobStorageAvailable(): boolean {
  return existsSync(join(ROOT, `${BLOB_STORAGE_MODULE}.ts`));
}

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`;
}

/** Azurite's blob service from node_modules, on a free loopback port, with its data in a temp dir. */
export function startAzurite(): Promise<Child> {
  return startChild({
    name: 'azurite',
    script: join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js'),
    args: ['--blobHost', '127.0.0.1', '--blobPort', '{port}', '--location', mkdtempSync(join(tmpdir(), 'bench-azurite-')), '--silent', '--skipApiVersionCheck', '--loose'],
    env: {},
    readyPath: `/${ACCOUNT}?comp=list`,
    anyStatus: true,
  });
}

/** The bot's settings for the blob store. */
export function blobEnv(connectionString: string): Record<string, string> {
  return { STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_CONTAINER: BLOB_CONTAINER };
}

/**
 * Opens the app's own blob store (for seeding), whatever its export is called: the first exported class
 * is constructed with (connectionString, container), or a `create…` factory is called with them.
 */
export async function openBlobStore(connectionString: string): Promise<AtomicStorage> {
  const mod = (await import(join(ROOT, BLOB_STORAGE_MODULE))) as Record<string, unknown>;
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value !== 'function') continue;
    const made = /^[A-Z]/.test(name)
      ? new (value as new (...args: unknown[]) => unknown)(connectionString, BLOB_CONTAINER)
      : name.startsWith('create')
        ? await (value as (...args: unknown[]) => unknown)(connectionString, BLOB_CONTAINER)
        : undefined;
    if (made && typeof (made as AtomicStorage).createIfAbsent === 'function') return made as AtomicStorage;
  }
  throw new Error(`${BLOB_STORAGE_MODULE} exports no store the bench can construct; adjust bench/adapters/storage.ts`);
}
