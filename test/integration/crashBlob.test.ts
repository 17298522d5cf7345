/**
 * Crash safety on Azure Blob Storage (Azurite): the real bot process, STORAGE=blob, killed -9 in the middle
 * of a storm of acknowledgements, then started again on the same container.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { adaptiveCardAction, personalInstall, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { newStarter, startTeams } from '../helpers/botHarness';
import { exited, startBotProcess as startProcess } from '../helpers/botProcess';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import type { Progress } from '../../src/journey/progress';
import { BlobStateStorage } from '../../src/state/blobStorage';
import { keys } from '../../src/state/keys';
import { readItem } from '../../src/state/update';

const ACTION_IDS = [
  'training-guidance',
  'service-status',
  'profile-details',
  'uk-mobile-number',
  'sspr-registration',
  'transparency',
  'teams-getting-started',
  'account-secret',
  'mailbox-quota',
  'mfa',
];
/** Streams per starter: acknowledgements for one user also race each other. */
const STREAMS = 2;
/** The process is killed as soon as this many acknowledgements were confirmed. */
const KILL_AFTER = 12;

let azurite: Azurite;
let teams: TeamsEmulator;
let scene: TeamsScene;

beforeAll(async () => {
  azurite = await startAzurite();
  ({ teams, scene } = await startTeams({ conversationWindows: [{ limit: 1_000_000, windowMs: 1000 }], tenantPerSecond: 1_000_000 }));
});
afterAll(async () => {
  await teams?.close();
  await azurite?.stop();
});

describe('crash safety on Azure Blob Storage (Azurite)', () => {
  it('keeps every acknowledgement that got a 200 when the process is killed -9 mid-storm, and no blob is corrupt', async () => {
    const container = azurite.newContainer();
    const env = { STORAGE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: container };
    const first = await startProcess(env);
    const starters: { user: { userId: string; aadObjectId: string }; who: ActivityUser; conversationId: string }[] = Array.from({ length: 10 }, () =>
      newStarter(teams),
    );
    for (const s of starters) expect((await postActivity(first.url, personalInstall(scene, s.who, s.conversationId))).status).toBe(200);

    const confirmed: { starter: number; actionId: string }[] = [];
    let killed: Promise<unknown> | undefined;
    const kill = (): void => {
      if (killed) return;
      first.child.kill('SIGKILL');
      killed = exited(first.child);
    };
    const storm = starters.flatMap((s, i) =>
      Array.from({ length: STREAMS }, async (_, stream) => {
        for (const actionId of ACTION_IDS.filter((_a, j) => j % STREAMS === stream)) {
          if (killed) return;
          try {
            const res = await postActivity(first.url, adaptiveCardAction(scene, s.who, s.conversationId, { verb: 'ack', data: { verb: 'ack', actionId } }));
            if (res.status === 200 && (res.body as { type?: string } | undefined)?.type === 'application/vnd.microsoft.card.adaptive') {
              confirmed.push({ starter: i, actionId });
              if (confirmed.length >= KILL_AFTER) kill();
            }
          } catch {
            return; // the connection died with the process: not confirmed
          }
        }
      }),
    );
    await Promise.all(storm);
    kill(); // in case the storm ended first (then the assertion below says so)
    await killed;
    // The kill really landed mid-storm: some acknowledgements were confirmed, some never were.
    expect(confirmed.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(confirmed.length).toBeLessThan(starters.length * ACTION_IDS.length);

    // Every blob in the container is whole: state items are JSON, audit blobs are JSON lines.
    const client = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
    let blobs = 0;
    for await (const blob of client.listBlobsFlat()) {
      const text = (await client.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
      const parse = (): unknown =>
        blob.name.endsWith('.jsonl')
          ? text
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => JSON.parse(l) as unknown)
          : JSON.parse(text);
      expect({
        blob: blob.name,
        parses: (() => {
          try {
            parse();
            return true;
          } catch {
            return false;
          }
        })(),
      }).toEqual({ blob: blob.name, parses: true });
      blobs += 1;
    }
    expect(blobs).toBeGreaterThanOrEqual(starters.length);

    // Every confirmed acknowledgement is in the store…
    const store = new BlobStateStorage(azurite.connectionString, container);
    for (const [i, s] of starters.entries()) {
      const item = await readItem<{ journeyProgress: Progress }>(store, keys.progress('msteams', s.conversationId, s.user.aadObjectId));
      const acknowledged = Object.keys(item?.journeyProgress.acknowledged ?? {});
      for (const c of confirmed.filter((c) => c.starter === i)) {
        expect({ starter: i, actionId: c.actionId, kept: acknowledged.includes(c.actionId) }).toEqual({ starter: i, actionId: c.actionId, kept: true });
      }
    }

    // …and the restarted process serves it, and takes new acknowledgements on the same container.
    const second = await startProcess(env);
    try {
      const s = starters[0] as (typeof starters)[number];
      const res = await postActivity(
        second.url,
        adaptiveCardAction(scene, s.who, s.conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'find-la' } }),
      );
      expect(res.status).toBe(200);
      const item = await readItem<{ journeyProgress: Progress }>(store, keys.progress('msteams', s.conversationId, s.user.aadObjectId));
      expect(Object.keys(item?.journeyProgress.acknowledged ?? {})).toEqual(
        expect.arrayContaining(['find-la', ...confirmed.filter((c) => c.starter === 0).map((c) => c.actionId)]),
      );
    } finally {
      second.child.kill('SIGTERM');
      await exited(second.child);
    }
  });
});
