import { createHash, randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { ETagConflictError, type AtomicStorage, type StoreItems } from './storage';

/** Where state lives in the container; the audit trail has its own folder (audit/), so lifecycle rules and backups can tell them apart. */
export const STATE_FOLDER = 'state/';
/** Azure's limit on a blob name is 1,024 characters; longer encoded keys are cut and hashed (see blobNameOf). */
const MAX_NAME = 1024;
const HASHED_CUT = MAX_NAME - STATE_FOLDER.length - 1 - 64;
/** Metadata naming the write that produced a blob, so a retried request can recognise its own earlier success. */
const WRITE_ID = 'writeid';

/**
 * Retries inside @azure/storage-blob: few and short, because a turn waits on them (Teams gives a bot about
 * 15 seconds) and /readyz must turn unready rather than hang when the account is unreachable.
 */
export const DEFAULT_PIPELINE: StoragePipelineOptions = {
  retryOptions: { maxTries: 3, tryTimeoutInMs: 4000, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
};

/**
 * How the bot reaches the storage account: a connection string (account key or SAS), or the account's blob URL
 * and a managed identity (Microsoft Entra tokens; no secret at all): the system-assigned one, or a user-assigned
 * one named by its client id.
 */
export type BlobAccess = string | { readonly accountUrl: string; readonly managedIdentityClientId?: string | undefined };

/** The container named by configuration, with the bot's retry policy. */
export function containerClient(access: BlobAccess, container: string, pipeline: StoragePipelineOptions = DEFAULT_PIPELINE): ContainerClient {
  if (typeof access === 'string') return BlobServiceClient.fromConnectionString(access, pipeline).getContainerClient(container);
  return new BlobServiceClient(access.accountUrl, managedIdentity(access.managedIdentityClientId), pipeline).getContainerClient(container);
}

/** One credential per identity, so the state store and the audit trail share its token. */
const credentials = new Map<string, import('@azure/identity').ManagedIdentityCredential>();

export function managedIdentity(clientId: string | undefined): import('@azure/identity').ManagedIdentityCredential {
  let credential = credentials.get(clientId ?? '');
  if (!credential) {
    // Loaded only for this: @azure/identity (with MSAL) is sizeable, and a connection string does not need it.
    const { ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
    credential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
    credentials.set(clientId ?? '', credential);
  }
  return credential;
}

/**
 * Percent-encodes everything but [A-Za-z0-9_-], byte by byte in UTF-8. Unlike encodeURIComponent it never
 * throws and never leaves '.', '~' or '/' in a name, so a name cannot end in a dot (Azure forbids it), cannot
 * be '.' or '..', and '.' is free to mark hashed names. Encoding is per character, so the encoding of a prefix
 * is a prefix of the encoding of every key that starts with it: list(prefix) is a server-side prefix listing.
 */
export function encodeKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The blob a key is stored in: state/<encoded key>. A key whose encoding would pass Azure's 1,024 character
 * limit keeps the first part of its encoding (so prefix listings still find it) followed by '.' and the SHA-256
 * of the whole key; its blob then holds the key beside the value (see HashedEnvelope).
 */
export function blobNameOf(key: string): string {
  if (key === '') throw new Error('Storage: an empty key cannot be stored');
  const encoded = encodeKey(key);
  if (STATE_FOLDER.length + encoded.length <= MAX_NAME) return `${STATE_FOLDER}${encoded}`;
  return `${STATE_FOLDER}${cutEncoded(encoded, HASHED_CUT)}.${createHash('sha256').update(key).digest('hex')}`;
}

/** Cuts an encoded string to at most n characters without splitting a %XX escape. */
function cutEncoded(encoded: string, n: number): string {
  let cut = encoded.slice(0, n);
  const percent = cut.lastIndexOf('%');
  if (percent !== -1 && percent > cut.length - 3) cut = cut.slice(0, percent);
  return cut;
}

function isHashedName(name: string): boolean {
  return name.includes('.');
}

/** What a hashed (very long key) blob holds: its key could not be recovered from its name. */
interface HashedEnvelope {
  key: string;
  value: Record<string, unknown>;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}

/** Requests one operation sends at once: a push reads up to PUSH_MAX_BATCH recipients in one call. */
const PARALLEL = 32;

/** Runs work for every item, at most `limit` at a time; rejects with the first failure once all started work is done. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

async function readBody(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The shared store for several instances: one JSON blob per key in an Azure Blob Storage container (created
 * if absent), with the blob's ETag as the item's eTag.
 *
 * - A write carrying an eTag is conditional (If-Match); a stale one raises ETagConflictError, the same error
 *   the file store raises, so updateItem (src/state/update.ts) re-reads and retries.
 * - createIfAbsent is If-None-Match: *, atomic in the service: of N instances racing, exactly one wins.
 * - Every write tags the blob with a write id. When the SDK retried a request whose first attempt had in fact
 *   landed (a lost response), the retry meets its own write as a "conflict"; the write id tells it apart, so
 *   a lost response never turns a success into a conflict or a create into "already there".
 *
 * botbuilder-azure-blobs' BlobsStorage has neither a create-only write nor a listing, and its key encoding
 * merges keys (it cuts names at 1,024 characters and drops empty path segments, so "a//b" is "a/b"), so this
 * talks to @azure/storage-blob, the client BlobsStorage itself is built on.
 */
export class BlobStateStorage implements AtomicStorage {
  private readonly container: ContainerClient;
  private ready: Promise<void> | undefined;

  constructor(access: BlobAccess, containerName: string, pipeline: StoragePipelineOptions = DEFAULT_PIPELINE) {
    this.container = containerClient(access, containerName, pipeline);
    // Create the container at start; a failure here is retried by the first operation (and shows on /readyz).
    this.init().catch(() => undefined);
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.init();
    const items: StoreItems = {};
    await forEachLimited(keys, PARALLEL, async (key) => {
      const name = blobNameOf(key);
      let response;
      try {
        response = await this.container.getBlobClient(name).download();
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw error;
      }
      // Content and ETag come from one response: a later write makes the caller's write conflict, never vanish.
      const parsed = JSON.parse(await readBody(response.readableStreamBody)) as Record<string, unknown>;
      const value = isHashedName(name) ? (parsed as unknown as HashedEnvelope).value : parsed;
      items[key] = { ...value, eTag: response.etag };
    });
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.init();
    await forEachLimited(Object.entries(changes), PARALLEL, async ([key, item]) => {
      const { eTag, ...value } = (item ?? {}) as Record<string, unknown>;
      const conditional = typeof eTag === 'string' && eTag !== '*' && eTag !== '';
      const outcome = await this.put(key, value, conditional ? { ifMatch: eTag } : {});
      if (outcome === 'conflict') throw new ETagConflictError(key);
    });
  }

  async delete(keys: string[]): Promise<void> {
    await this.init();
    await forEachLimited(keys, PARALLEL, async (key) => {
      await this.container.getBlobClient(blobNameOf(key)).deleteIfExists();
    });
  }

  async createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    await this.init();
    const { eTag: _ignored, ...value } = item;
    return (await this.put(key, value, { ifNoneMatch: '*' })) === 'written';
  }

  async ping(): Promise<void> {
    await this.init();
    // A one-item listing: it fails if the container is missing, and unlike Get Container Properties a
    // container-scoped SAS may do it.
    await this.container.listBlobsFlat({ prefix: STATE_FOLDER }).byPage({ maxPageSize: 1 }).next();
  }

  async *list(prefix: string): AsyncIterable<string> {
    await this.init();
    // The service lists by the encoded prefix (cut like a hashed name, so hashed names match too); the exact
    // prefix is then checked on the decoded key.
    const listPrefix = `${STATE_FOLDER}${cutEncoded(encodeKey(prefix), HASHED_CUT)}`;
    for await (const blob of this.container.listBlobsFlat({ prefix: listPrefix })) {
      const key = await this.keyOf(blob.name);
      if (key !== undefined && key.startsWith(prefix)) yield key;
    }
  }

  /** The key a state blob holds, or undefined for a blob that is not one (or vanished while listing). */
  private async keyOf(name: string): Promise<string | undefined> {
    const encoded = name.slice(STATE_FOLDER.length);
    if (encoded.includes('/')) return undefined;
    if (!isHashedName(encoded)) {
      try {
        return decodeURIComponent(encoded);
      } catch {
        return undefined;
      }
    }
    try {
      const response = await this.container.getBlobClient(name).download();
      return (JSON.parse(await readBody(response.readableStreamBody)) as HashedEnvelope).key;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** One conditional upload; a 409/412 is 'conflict' unless the blob carries this very write's id. */
  private async put(key: string, value: Record<string, unknown>, conditions: { ifMatch?: string; ifNoneMatch?: string }): Promise<'written' | 'conflict'> {
    const name = blobNameOf(key);
    const body = Buffer.from(JSON.stringify(isHashedName(name) ? ({ key, value } satisfies HashedEnvelope) : value), 'utf8');
    const writeId = randomUUID();
    const blob = this.container.getBlockBlobClient(name);
    try {
      await blob.upload(body, body.length, {
        conditions,
        metadata: { [WRITE_ID]: writeId },
        blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      });
      return 'written';
    } catch (error) {
      const status = statusOf(error);
      // 412: If-Match failed (or If-None-Match on some service versions); 409: the blob already exists;
      // 404: If-Match on a blob deleted since it was read.
      const conflict = status === 412 || status === 409 || (status === 404 && conditions.ifMatch !== undefined);
      if (!conflict) throw error;
      try {
        const properties = await blob.getProperties();
        if (properties.metadata?.[WRITE_ID] === writeId) return 'written';
      } catch (lookupError) {
        if (statusOf(lookupError) !== 404) throw lookupError;
      }
      return 'conflict';
    }
  }

  private init(): Promise<void> {
    this.ready ??= ensureContainer(this.container).catch((error: unknown) => {
      this.ready = undefined; // try again on the next call
      throw error;
    });
    return this.ready;
  }
}

/**
 * Creates the container if it is missing. A credential scoped to the container (a container SAS: the least
 * privilege the bot needs) may not create containers; its 403 means "use the one that is there", and an
 * absent container then shows on the first real operation and on /readyz.
 */
export async function ensureContainer(container: ContainerClient): Promise<void> {
  try {
    await container.createIfNotExists();
  } catch (error) {
    if (statusOf(error) !== 403) throw error;
  }
}
