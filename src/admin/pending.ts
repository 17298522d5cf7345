import { keys } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import { readItem } from '../state/update';

/** A welcome an LA asked for that waits for the starter to install the app or first open the bot. */
export interface PendingWelcome {
  readonly pushId: string;
  readonly address: string;
  readonly la: { readonly aadObjectId: string; readonly name: string };
  readonly since: string;
}

/**
 * Pending welcomes, found by the starter's Entra object id (when Graph resolved it) or by their
 * address (when it did not): the install event carries the object id, the UPN needs a member look-up.
 */
export class PendingWelcomes {
  constructor(private readonly storage: AtomicStorage) {}

  /** Keeps a welcome waiting for the starter. The first LA to ask is the one named. */
  async add(tenantId: string, by: { aadObjectId?: string | undefined; address: string }, pending: PendingWelcome): Promise<void> {
    const targets = [keys.pendingByAddress(tenantId, by.address), ...(by.aadObjectId ? [keys.pendingByObjectId(tenantId, by.aadObjectId)] : [])];
    for (const key of targets) await this.storage.createIfAbsent(key, { ...pending });
    if (!by.aadObjectId) await this.storage.write({ [keys.pendingAnyByAddress(tenantId)]: { since: pending.since } });
  }

  /** True when some welcome waits for a starter known only by address (then the bot looks the UPN up). */
  async anyByAddress(tenantId: string): Promise<boolean> {
    return (await readItem(this.storage, keys.pendingAnyByAddress(tenantId))) !== undefined;
  }

  /** The pending welcome for a starter, by object id or address. */
  async find(tenantId: string, starter: { aadObjectId?: string | undefined; address?: string | undefined }): Promise<PendingWelcome | undefined> {
    if (starter.aadObjectId) {
      const found = await readItem<PendingWelcome>(this.storage, keys.pendingByObjectId(tenantId, starter.aadObjectId));
      if (found) return found;
    }
    return starter.address ? readItem<PendingWelcome>(this.storage, keys.pendingByAddress(tenantId, starter.address)) : undefined;
  }

  /** Removes a pending welcome once delivered (or when the starter is forgotten). */
  async remove(tenantId: string, starter: { aadObjectId?: string | undefined; address?: string | undefined }): Promise<void> {
    const targets: string[] = [];
    if (starter.aadObjectId) targets.push(keys.pendingByObjectId(tenantId, starter.aadObjectId));
    if (starter.address) targets.push(keys.pendingByAddress(tenantId, starter.address));
    await this.storage.delete(targets);
  }
}
