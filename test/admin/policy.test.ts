import { LocalAdministratorPolicy } from '../../src/admin/policy';

describe('the Local Administrator policy', () => {
  const settings = { objectIds: ['la-by-id'], upns: [], groupId: 'la-group', groupCacheMs: 600_000 };

  it('is an LA by configured object id or by group membership, and not otherwise; a failing group check is a no', async () => {
    let failing = false;
    const policy = new LocalAdministratorPolicy(
      settings,
      async (oid) => {
        if (failing) throw new Error('Graph down');
        return oid.startsWith('member');
      },
      undefined,
    );
    expect(await policy.isLocalAdministrator({ aadObjectId: 'LA-BY-ID' })).toBe(true);
    expect(await policy.isLocalAdministrator({ aadObjectId: 'member-1' })).toBe(true);
    expect(await policy.isLocalAdministrator({ aadObjectId: 'someone' })).toBe(false);
    failing = true;
    expect(await policy.isLocalAdministrator({ aadObjectId: 'member-2' })).toBe(false);
  });

  it('keeps the group answers of the LAs who act most recently: an active LA is not checked again after 10,000 others', async () => {
    const checks = new Map<string, number>();
    const now = 0;
    const policy = new LocalAdministratorPolicy(
      settings,
      async (oid) => {
        checks.set(oid, (checks.get(oid) ?? 0) + 1);
        return oid === 'active-la';
      },
      undefined,
      () => now,
    );
    for (let i = 0; i < 12_000; i++) {
      if (i % 1000 === 0) expect(await policy.isLocalAdministrator({ aadObjectId: 'active-la' })).toBe(true);
      await policy.isLocalAdministrator({ aadObjectId: `starter-${i}` });
    }
    expect(checks.get('active-la')).toBe(1);
  });
});
