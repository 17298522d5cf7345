/**
 * The shared audit trail (STORAGE=blob): append blobs per day in the bot's container, written by several
 * instances at once, read whole and in order, and printed by `npm run audit`.
 */
import { spawn } from 'node:child_process';
import { BlobServiceClient } from '@azure/storage-blob';
import { FileAuditTrail, type AuditEntry } from '../../src/admin/audit';
import { AUDIT_FOLDER, BlobAuditTrail } from '../../src/admin/blobAudit';
import { createAuditTrail } from '../../src/admin/createAuditTrail';
import { BlobStateStorage } from '../../src/state/blobStorage';
import { startAzurite, startAzuriteProxy, type Azurite } from '../helpers/azurite';
import { tempDataDir } from '../helpers/botHarness';
import { botEntryArgs, ROOT } from '../helpers/botProcess';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

function entry(at: string, by: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return { at, event: 'push.requested', by, via: 'chat', ...extra };
}

async function blobNames(container: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).listBlobsFlat())
    names.push(blob.name);
  return names.sort();
}

describe('the audit trail on Azure Blob Storage', () => {
  it('takes entries from several instances at once into one trail, whole lines only, read oldest first', async () => {
    const container = azurite.newContainer();
    const instances = [new BlobAuditTrail(azurite.connectionString, container), new BlobAuditTrail(azurite.connectionString, container)];
    const base = Date.parse('2026-11-24T09:00:00.000Z');
    // 60 entries appended concurrently, alternating instances, deliberately out of time order.
    const written = Array.from({ length: 60 }, (_, i) =>
      entry(new Date(base + ((i * 37) % 60) * 1000).toISOString(), `la-${i % 3}`, { starter: `starter.${i}@nhs.net`, detail: `Zoë ✓ ${'x'.repeat(i * 50)}` }),
    );
    await Promise.all(written.map((e, i) => (instances[i % 2] as BlobAuditTrail).append(e)));

    for (const trail of instances) {
      const read = await trail.read();
      expect(read).toHaveLength(60);
      expect(read.map((e) => e.starter).sort()).toEqual(written.map((e) => e.starter).sort());
      expect(read.map((e) => e.at)).toEqual([...written.map((e) => e.at)].sort());
    }
    expect(await blobNames(container)).toEqual([`${AUDIT_FOLDER}2026-11-24.jsonl`]);
  });

  it('keeps one blob per UTC day, and filters by dates and by LA', async () => {
    const container = azurite.newContainer();
    const trail = new BlobAuditTrail(azurite.connectionString, container);
    await trail.append(entry('2026-11-22T23:59:59.999Z', 'la-a'));
    await trail.append(entry('2026-11-23T00:00:00.000Z', 'la-b', { byName: 'Jane Smith' }));
    await trail.append(entry('2026-11-24T12:00:00.000Z', 'la-a'));
    expect(await blobNames(container)).toEqual(['2026-11-22', '2026-11-23', '2026-11-24'].map((d) => `${AUDIT_FOLDER}${d}.jsonl`));

    expect((await trail.read({ from: new Date('2026-11-23T00:00:00.000Z') })).map((e) => e.at)).toEqual([
      '2026-11-23T00:00:00.000Z',
      '2026-11-24T12:00:00.000Z',
    ]);
    expect((await trail.read({ to: new Date('2026-11-23T23:59:59.999Z') })).map((e) => e.by)).toEqual(['la-a', 'la-b']);
    expect((await trail.read({ by: 'la-a' })).map((e) => e.at)).toEqual(['2026-11-22T23:59:59.999Z', '2026-11-24T12:00:00.000Z']);
    expect((await trail.read({ by: 'jane smith' })).map((e) => e.by)).toEqual(['la-b']);
  });

  it('lives beside the state without mixing with it (state lists never show audit blobs)', async () => {
    const container = azurite.newContainer();
    const store = new BlobStateStorage(azurite.connectionString, container);
    const trail = new BlobAuditTrail(azurite.connectionString, container);
    await store.write({ 'audit/not-the-trail': { v: 1 } });
    await trail.append(entry('2026-11-24T09:00:00.000Z', 'la-a'));
    const keys: string[] = [];
    for await (const key of store.list('')) keys.push(key);
    expect(keys).toEqual(['audit/not-the-trail']);
    expect(await trail.read()).toHaveLength(1);
  });

  it('goes on in a new part when a day blob is full (50,000 blocks), and reads every part', async () => {
    const container = azurite.newContainer();
    // The service refuses appends to the first part as it would once 50,000 blocks are in it.
    const proxy = await startAzuriteProxy(azurite, (method, path) =>
      method === 'PUT' && path.includes('2026-11-24.jsonl') && path.includes('comp=appendblock')
        ? { status: 409, errorCode: 'BlockCountExceedsLimit' }
        : 'forward',
    );
    try {
      const full = new BlobAuditTrail(proxy.connectionString, container);
      await full.append(entry('2026-11-24T09:00:00.000Z', 'la-a'));
      await full.append(entry('2026-11-24T09:00:01.000Z', 'la-b'));
      // Another instance that has not yet met the full blob finds its way too.
      await new BlobAuditTrail(proxy.connectionString, container).append(entry('2026-11-24T09:00:02.000Z', 'la-c'));
    } finally {
      await proxy.close();
    }
    expect(await blobNames(container)).toEqual([`${AUDIT_FOLDER}2026-11-24.001.jsonl`, `${AUDIT_FOLDER}2026-11-24.jsonl`]);
    expect((await new BlobAuditTrail(azurite.connectionString, container).read()).map((e) => e.by)).toEqual(['la-a', 'la-b', 'la-c']);
  });

  it('is chosen by configuration: blob with STORAGE=blob, the JSON-lines file otherwise', () => {
    const dataDir = tempDataDir();
    expect(createAuditTrail({ storage: { kind: 'file' }, dataDir })).toBeInstanceOf(FileAuditTrail);
    expect(createAuditTrail({ storage: { kind: 'memory' }, dataDir })).toBeInstanceOf(FileAuditTrail);
    expect(createAuditTrail({ storage: { kind: 'blob', access: azurite.connectionString, container: 'x-audit' }, dataDir })).toBeInstanceOf(BlobAuditTrail);
  });

  it('is what `npm run audit` prints with STORAGE=blob', async () => {
    const container = azurite.newContainer();
    const trail = new BlobAuditTrail(azurite.connectionString, container);
    await trail.append(entry('2026-11-23T10:00:00.000Z', 'la-a', { byName: 'Jane Smith', starter: 'sam.starter@nhs.net' }));
    await trail.append(entry('2026-11-24T10:00:00.000Z', 'la-b', { event: 'push.refused' }));

    const [, loader] = botEntryArgs();
    const output = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', loader as string, `${ROOT}/src/cli/audit.ts`, '--from', '2026-11-23', '--la', 'Jane Smith'], {
        cwd: tempDataDir(), // no .env from the repository
        env: { PATH: process.env.PATH ?? '', STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: container },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect({ code: output.code, stderr: output.stderr.split('\n').filter((l) => l.includes('rror')) }).toEqual({ code: 0, stderr: [] });
    expect(output.stdout).toBe('2026-11-23T10:00:00.000Z  push.requested  by Jane Smith (la-a)  starter sam.starter@nhs.net  via chat\n1 entries\n');
  });
});
