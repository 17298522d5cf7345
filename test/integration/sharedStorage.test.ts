/**
 * Several instances behind a load balancer: two real bots (two createApp, each its own HTTP server) on one
 * Azure Blob container in Azurite. Acknowledgements for the same user arriving at both at the same moment
 * are all kept, and audit events from both land in one trail.
 */
import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import type { TeamsEmulator, TeamsUser } from '../helpers/teamsEmulator';
import { BlobStateStorage } from '../../src/state/blobStorage';
import { keys } from '../../src/state/keys';
import { isETagConflict, type AtomicStorage, type StoreItems } from '../../src/state/storage';
import { readItem } from '../../src/state/update';
import type { Progress } from '../../src/journey/progress';
import journey from '../../cards/journey.json';

const ACTION_IDS = journey.steps.flatMap((s) => s.actions.map((a) => a.id));

let azurite: Azurite;
let teams: TeamsEmulator;
let scene: TeamsScene;
let la: { user: TeamsUser; who: ActivityUser; conversationId: string };
let bots: RunningBot[];
let conflicts = 0;

/** The instance's own blob store, counting the eTag conflicts it reports (to show the test really raced). */
function countingStore(connectionString: string, container: string): AtomicStorage {
  const inner = new BlobStateStorage(connectionString, container);
  return {
    read: (k: string[]) => inner.read(k),
    delete: (k: string[]) => inner.delete(k),
    createIfAbsent: async (key: string, item: Record<string, unknown>) => {
      const created = await inner.createIfAbsent(key, item);
      if (!created) conflicts += 1;
      return created;
    },
    write: (changes: StoreItems) =>
      inner.write(changes).catch((error: unknown) => {
        if (isETagConflict(error)) conflicts += 1;
        throw error;
      }),
    ping: () => inner.ping(),
    list: (prefix: string) => inner.list(prefix),
  };
}

beforeAll(async () => {
  azurite = await startAzurite();
  ({ teams, scene } = await startTeams({ conversationWindows: [{ limit: 1_000_000, windowMs: 1000 }], tenantPerSecond: 1_000_000 }));
  la = newStarter(teams, 'Jane Smith');
  const env = {
    STORAGE: 'blob',
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    AZURE_STORAGE_CONTAINER: azurite.newContainer(),
    LA_OBJECT_IDS: la.user.aadObjectId,
    TEAMS_SERVICE_URL: teams.serviceUrl,
    GRAPH_ENABLED: 'false',
    USER_MESSAGES_PER_MINUTE: '1000',
    STATE_WRITE_RETRIES: '50',
  };
  bots = [
    await startBot(env, { storage: countingStore(env.AZURE_STORAGE_CONNECTION_STRING, env.AZURE_STORAGE_CONTAINER) }),
    await startBot(env, { storage: countingStore(env.AZURE_STORAGE_CONNECTION_STRING, env.AZURE_STORAGE_CONTAINER) }),
  ];
});
afterAll(async () => {
  for (const bot of bots ?? []) await bot.close();
  await teams?.close();
  await azurite?.stop();
});

function bot(i: number): RunningBot {
  return bots[i % bots.length] as RunningBot;
}

describe('two instances on one Azure Blob container', () => {
  it('keeps every acknowledgement for one user sent to both instances at the same moment', async () => {
    const starters = Array.from({ length: 3 }, (_, i) => newStarter(teams, `Starter ${i}`));
    // Installed through one instance, acknowledged through both.
    for (const [i, s] of starters.entries()) {
      const res = await postActivity(bot(i).messagesUrl, personalInstall(scene, s.who, s.conversationId));
      expect(res.status).toBe(200);
    }

    const conflictsBefore = conflicts;
    const results = await Promise.all(
      starters.flatMap((s) =>
        ACTION_IDS.map(async (actionId, j) => {
          const res = await postActivity(
            bot(j).messagesUrl,
            adaptiveCardAction(scene, s.who, s.conversationId, { verb: 'ack', data: { verb: 'ack', actionId } }),
          );
          return { status: res.status, type: (res.body as { type?: string } | undefined)?.type };
        }),
      ),
    );
    expect(results.filter((r) => r.status !== 200 || r.type !== 'application/vnd.microsoft.card.adaptive')).toEqual([]);

    for (const [i, s] of starters.entries()) {
      // Whichever instance is asked, from the shared store.
      const item = await readItem<{ journeyProgress: Progress }>(bot(i + 1).app.storage, keys.progress('msteams', s.conversationId, s.user.aadObjectId));
      expect(Object.keys(item?.journeyProgress.acknowledged ?? {}).sort()).toEqual([...ACTION_IDS].sort());
      expect(item?.journeyProgress.completedAt).toBeDefined();
    }
    // The two instances really wrote over each other's reads, and every conflict was retried.
    expect(conflicts).toBeGreaterThan(conflictsBefore);
  });

  it('welcomes a starter once when the install reaches both instances at the same moment', async () => {
    const s = newStarter(teams, 'Double Install');
    const installs = await Promise.all([0, 1, 0, 1].map((i) => postActivity(bot(i).messagesUrl, personalInstall(scene, s.who, s.conversationId))));
    expect(installs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const welcomes = teams.sentTo(s.conversationId).filter((a) => JSON.stringify(a).includes('Welcome to NHSmail'));
    expect(welcomes).toHaveLength(1);
  });

  it('writes audit events from both instances into one trail, which either instance reads whole', async () => {
    const intruders = Array.from({ length: 6 }, (_, i) => newStarter(teams, `Not An Admin ${i}`));
    const replies = await Promise.all(
      intruders.map((x, i) => postActivity(bot(i).messagesUrl, personalMessage(scene, x.who, x.conversationId, 'welcome someone.new@nhs.net'))),
    );
    expect(replies.map((r) => r.status)).toEqual(intruders.map(() => 200));

    const expected = intruders.map((x) => x.user.aadObjectId).sort();
    for (const b of bots) {
      const refusals = (await b.app.audit.read()).filter((e) => e.event === 'push.refused');
      expect(refusals.map((e) => e.by).sort()).toEqual(expected);
      // Oldest first.
      expect(refusals.map((e) => e.at)).toEqual([...refusals.map((e) => e.at)].sort());
    }
  });
});
