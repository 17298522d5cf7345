import type { StartedBy } from '../journey/progress';
import type { AddressBook } from './addressBook';
import type { AdminService } from './adminService';
import type { PendingWelcome, PendingWelcomes } from './pending';

/**
 * When a starter first reaches the bot (install events or a first message), finds a welcome an LA
 * left pending for them, so the welcome names that LA and the LA's push shows it delivered.
 */
export class FirstContact {
  constructor(
    private readonly pending: PendingWelcomes,
    private readonly addressBook: AddressBook,
    private readonly admin: AdminService,
  ) {}

  /** Remembers whose address this is, so later pushes reach the user without Graph. */
  async learnAddress(tenantId: string, aadObjectId: string, address: string | undefined): Promise<void> {
    if (address) await this.addressBook.remember(tenantId, address, { aadObjectId });
  }

  /** The pending LA welcome for this user, if any; looks the UPN up only when some pending welcome needs it. */
  async pendingFor(tenantId: string, aadObjectId: string | undefined, lookupAddress: () => Promise<string | undefined>): Promise<PendingWelcome | undefined> {
    const byId = await this.pending.find(tenantId, { aadObjectId });
    if (byId) return byId;
    if (!(await this.pending.anyByAddress(tenantId))) return undefined;
    const address = await lookupAddress();
    return address ? this.pending.find(tenantId, { address }) : undefined;
  }

  /** How a pending welcome starts the journey: in the LA's name. */
  startedBy(pending: PendingWelcome): StartedBy {
    return { kind: 'la', name: pending.la.name, aadObjectId: pending.la.aadObjectId, pushId: pending.pushId };
  }

  /** Marks the LA's push delivered for this starter and clears the pending welcome. */
  async delivered(tenantId: string, pending: PendingWelcome, aadObjectId: string | undefined): Promise<void> {
    await this.admin.recordOutcome(
      { pushId: pending.pushId, address: pending.address, tenantId, la: pending.la },
      { status: 'delivered', reason: 'Delivered when they first opened the bot.', aadObjectId },
      'delivery.deliveredOnFirstContact',
    );
    await this.pending.remove(tenantId, { aadObjectId, address: pending.address });
  }
}
