import { AdminService, type LaRequester } from '../../src/admin/adminService';
import type { AuditEntry, AuditTrail } from '../../src/admin/audit';
import { LocalAdministratorPolicy } from '../../src/admin/policy';
import { PushStore } from '../../src/admin/pushes';
import type { StarterJob } from '../../src/admin/welcomeDelivery';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { UserStore } from '../../src/state/users';

const LA: LaRequester = { aadObjectId: '00000000-0000-4000-8000-00000000000a', name: 'Jane LA', tenantId: 't1', kind: 'user' };

function rig(enqueue: (jobs: StarterJob[]) => Promise<void>) {
  const storage = new AtomicMemoryStorage();
  const pushes = new PushStore(storage, 5);
  const entries: AuditEntry[] = [];
  const audit: AuditTrail = { append: async (e) => void entries.push(e) } as AuditTrail;
  const admin = new AdminService({
    policy: new LocalAdministratorPolicy({ objectIds: [LA.aadObjectId], upns: [], groupId: undefined, groupCacheMs: 0 }, undefined, undefined),
    pushes,
    audit,
    users: new UserStore(storage, 5),
    content: {} as never,
    cards: {} as never,
    settings: { allowedDomains: ['nhs.net'], maxBatch: 100 },
    enqueue,
    now: () => new Date('2026-12-07T10:00:00Z'),
  });
  return { admin, pushes };
}

describe('resend to those not reached', () => {
  it('puts the starters back to "failed" when the resend could not be queued, so the LA can press resend again', async () => {
    let queueUp = true;
    const { admin, pushes } = rig(async () => {
      if (!queueUp) throw new Error('queue unreachable');
    });
    const pushed = await admin.push(LA, 'sam@nhs.net, kim@nhs.net', 'chat');
    if (pushed.kind !== 'queued') throw new Error('push not queued');
    const at = '2026-12-07T10:00:00.000Z';
    await pushes.setRecipient(pushed.push.id, { address: 'sam@nhs.net', status: 'failed', reason: 'Teams refused', updatedAt: at });
    await pushes.setRecipient(pushed.push.id, { address: 'kim@nhs.net', status: 'delivered', updatedAt: at });

    queueUp = false;
    await expect(admin.resend(LA, pushed.push.id, 'chat')).rejects.toThrow('queue unreachable');
    const afterFailure = await pushes.recipients(pushed.push);
    expect(afterFailure.map((r) => [r.address, r.status])).toEqual([
      ['sam@nhs.net', 'failed'],
      ['kim@nhs.net', 'delivered'],
    ]);

    queueUp = true;
    const again = await admin.resend(LA, pushed.push.id, 'chat');
    expect(again).toMatchObject({ kind: 'queued', addresses: ['sam@nhs.net'] });
  });
});
