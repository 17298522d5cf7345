import { startAzurite, type Azurite } from '../helpers/azurite';
import { startPushRig, type PushRig } from '../helpers/pushRig';

/** Paced by the emulator's Teams windows; fast enough for a test. */
const PER_SECOND = 150;

let azurite: Azurite;
let rig: PushRig;
beforeAll(async () => {
  [azurite, rig] = await Promise.all([startAzurite(), startPushRig({ tenantPerSecond: PER_SECOND })]);
});
afterAll(async () => {
  await rig.close();
  await azurite.stop();
});

describe('deliveries on the shared store (Azure Blob Storage through Azurite)', () => {
  it('two instances, each with its own connection to one container, deliver a push between them and never twice', async () => {
    const shared = {
      STORAGE: 'blob',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: azurite.newContainer(),
      DELIVERY_POLL_SECONDS: '0.1',
      DELIVERY_BACKOFF_MS: '20',
      DELIVERY_TENANT_PER_SECOND: String(PER_SECOND / 2),
      LOG_LEVEL: 'debug',
    };
    const a = await rig.startBot(shared);
    const b = await rig.startBot(shared);
    try {
      const starters = rig.addStarters(40);
      await rig.push(a, starters);
      await Promise.all([a.app.deliveries.drain(), b.app.deliveries.drain()]);
      expect(rig.tally(starters)).toEqual({ delivered: 40, lost: 0, duplicated: 0 });
      const done = (logs: Record<string, unknown>[]) => logs.filter((l) => l.event === 'delivery.done').length;
      // Both took part (the queue is shared, not per instance), and the outcomes add up to one each.
      expect(done(a.logs)).toBeGreaterThan(0);
      expect(done(b.logs)).toBeGreaterThan(0);
      expect(done(a.logs) + done(b.logs)).toBe(40);
      // The audit trail in the container has one outcome per starter.
      const outcomes = (await a.app.audit.read()).filter((e) => e.event.startsWith('delivery.'));
      expect(outcomes).toHaveLength(40);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
