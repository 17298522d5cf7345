/**
 * What only the Azure Blob store has to get right: the container made at start, several instances (separate
 * clients) on one container, blob names, a lost response retried by the SDK, an unreachable account.
 */
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { BlobStateStorage, blobNameOf, STATE_FOLDER } from '../../src/state/blobStorage';
import { isETagConflict } from '../../src/state/storage';
import { updateItem } from '../../src/state/update';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, startAzuriteProxy, type Azurite, type AzuriteProxy } from '../helpers/azurite';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

function containerOf(name: string) {
  return BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name);
}

/** A proxy that loses the answer to the first `drops` PUTs naming `marker`: the write landed, the client never heard. */
async function lossyProxy(marker: string, drops: number): Promise<AzuriteProxy & { dropped: () => number }> {
  let dropped = 0;
  const proxy = await startAzuriteProxy(azurite, (method, path) => {
    if (method === 'PUT' && path.includes(marker) && dropped < drops) {
      dropped += 1;
      return 'loseAnswer';
    }
    return 'forward';
  });
  return { ...proxy, dropped: () => dropped };
}

describe('the Azure Blob store', () => {
  it('creates its container when it starts, before any item is written', async () => {
    const name = azurite.newContainer();
    expect(await containerOf(name).exists()).toBe(false);
    new BlobStateStorage(azurite.connectionString, name);
    // Nothing is asked of the store: the constructor alone makes the container.
    let exists = false;
    for (let i = 0; i < 400 && !exists; i++) {
      exists = await containerOf(name).exists();
      if (!exists) await new Promise((r) => setTimeout(r, 25));
    }
    expect(exists).toBe(true);
  });

  it('keeps state under state/ in flat, percent-encoded names of at most 1,024 characters', async () => {
    const name = azurite.newContainer();
    const store = new BlobStateStorage(azurite.connectionString, name);
    const long = `msteams/conversations/${'é'.repeat(600)}`;
    await store.write({ 'msteams/conversations/a:1/users/29:x': { v: 1 }, [long]: { v: 2 } });
    const names: string[] = [];
    for await (const blob of containerOf(name).listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual([blobNameOf('msteams/conversations/a:1/users/29:x'), blobNameOf(long)].sort());
    expect(blobNameOf('msteams/conversations/a:1/users/29:x')).toBe(`${STATE_FOLDER}msteams%2Fconversations%2Fa%3A1%2Fusers%2F29%3Ax`);
    for (const n of names) {
      expect(n.startsWith(STATE_FOLDER)).toBe(true);
      expect(n.slice(STATE_FOLDER.length)).not.toContain('/');
      expect(n.length).toBeLessThanOrEqual(1024);
    }
    // The plain blob holds the item itself, readable in Storage Explorer.
    const body = (await containerOf(name).getBlobClient(blobNameOf('msteams/conversations/a:1/users/29:x')).downloadToBuffer()).toString('utf8');
    expect(JSON.parse(body)).toEqual({ v: 1 });
  });

  it('lets several instances (separate clients on one container) race: one create wins, no update is lost', async () => {
    const name = azurite.newContainer();
    const instances = [new BlobStateStorage(azurite.connectionString, name), new BlobStateStorage(azurite.connectionString, name)];
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => (instances[i % 2] as BlobStateStorage).createIfAbsent('welcome/claim', { by: i })));
    expect(created.filter(Boolean)).toHaveLength(1);

    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        updateItem<{ done: number[] }>(instances[i % 2] as BlobStateStorage, 'progress/u1', (cur) => ({ done: [...(cur?.done ?? []), i] }), 80),
      ),
    );
    const final = (await (instances[0] as BlobStateStorage).read(['progress/u1']))['progress/u1'] as { done: number[] };
    expect([...final.done].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('recognises its own write when a lost response made the SDK send it again (no false conflict, no false "exists")', async () => {
    const name = azurite.newContainer();
    await new BlobStateStorage(azurite.connectionString, name).ping();
    const proxy = await lossyProxy('lost-create', 1);
    try {
      const store = new BlobStateStorage(proxy.connectionString, name, { retryOptions: { maxTries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 } });
      expect(await store.createIfAbsent('lost-create', { v: 1 })).toBe(true);
      expect(proxy.dropped()).toBe(1);
      expect(await store.createIfAbsent('lost-create', { v: 2 })).toBe(false); // a genuine second create still loses
    } finally {
      await proxy.close();
    }

    const proxy2 = await lossyProxy('lost-update', 1);
    try {
      const store = new BlobStateStorage(proxy2.connectionString, name, { retryOptions: { maxTries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 } });
      await new BlobStateStorage(azurite.connectionString, name).write({ 'lost-update': { v: 1 } });
      const { eTag } = (await store.read(['lost-update']))['lost-update'] as { eTag: string };
      await store.write({ 'lost-update': { v: 2, eTag } });
      expect(proxy2.dropped()).toBe(1);
      expect((await store.read(['lost-update']))['lost-update']).toMatchObject({ v: 2 });
      // …while a stale eTag is still a conflict.
      expect(
        isETagConflict(
          await store.write({ 'lost-update': { v: 3, eTag } }).then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      ).toBe(true);
    } finally {
      await proxy2.close();
    }
  });

  it('fails ping and reads (not as a conflict) while the account cannot be reached, and recovers when it can', async () => {
    let down = true;
    const proxy = await startAzuriteProxy(azurite, () => (down ? 'refuse' : 'forward'));
    try {
      const name = azurite.newContainer();
      const store = new BlobStateStorage(proxy.connectionString, name, { retryOptions: { maxTries: 1 } });
      await expect(store.ping()).rejects.toBeDefined();
      const error = await store.read(['k']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      expect(isETagConflict(error)).toBe(false);

      down = false;
      await store.ping(); // the container, not made at start, is made now
      expect(await containerOf(name).exists()).toBe(true);
      await store.write({ k: { v: 1 } });
      expect((await store.read(['k']))['k']).toMatchObject({ v: 1 });
    } finally {
      await proxy.close();
    }
  });
});

describe('the Azure Blob store with least privilege', () => {
  it('works with a SAS scoped to its container (which may not create containers)', async () => {
    const name = azurite.newContainer();
    await containerOf(name).create();
    const sas = generateBlobSASQueryParameters(
      { containerName: name, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    const store = new BlobStateStorage(`BlobEndpoint=http://127.0.0.1:${azurite.port}/${AZURITE_ACCOUNT};SharedAccessSignature=${sas}`, name);
    await store.ping();
    expect(await store.createIfAbsent('k', { v: 1 })).toBe(true);
    const { eTag } = (await store.read(['k']))['k'] as { eTag: string };
    await store.write({ k: { v: 2, eTag } });
    const listed: string[] = [];
    for await (const key of store.list('')) listed.push(key);
    expect(listed).toEqual(['k']);
    await store.delete(['k']);
    expect(await store.read(['k'])).toEqual({});
  });

  it('is unready (ping fails) when a container-scoped SAS names a container that does not exist', async () => {
    const name = azurite.newContainer();
    const sas = generateBlobSASQueryParameters(
      { containerName: name, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 3_600_000) },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    const store = new BlobStateStorage(`BlobEndpoint=http://127.0.0.1:${azurite.port}/${AZURITE_ACCOUNT};SharedAccessSignature=${sas}`, name);
    await expect(store.ping()).rejects.toMatchObject({ statusCode: 404 });
  });
});
