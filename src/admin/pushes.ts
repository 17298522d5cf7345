import { randomUUID } from 'node:crypto';
import { keys } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import { KeyedLock } from '../state/keyedLock';
import { readItem, updateItem } from '../state/update';

/** How far a delivery to one starter has got, in words an LA can act on. */
export type RecipientStatus = 'sending' | 'delivered' | 'alreadyWelcomed' | 'waitingForInstall' | 'pendingFirstContact' | 'failed';

/** Statuses an LA may resend to: the welcome did not reach them (failed) or waits on them (pending). Never a welcomed starter. */
export const RESENDABLE: ReadonlySet<RecipientStatus> = new Set<RecipientStatus>(['failed', 'pendingFirstContact', 'waitingForInstall']);

/** One starter of a push, and where their welcome is. */
export interface Recipient {
  readonly address: string;
  readonly status: RecipientStatus;
  readonly reason?: string | undefined;
  readonly aadObjectId?: string | undefined;
  readonly updatedAt: string;
}

/** An LA's request to welcome a batch of starters. */
export interface Push {
  readonly id: string;
  readonly tenantId: string;
  readonly la: { readonly aadObjectId: string; readonly name: string };
  readonly createdAt: string;
  readonly via: 'chat' | 'api' | 'tab';
  readonly addresses: readonly string[];
  readonly invalid: readonly string[];
  readonly otherDomain: readonly string[];
  readonly duplicates: number;
}

const RECENT_PUSHES = 20;

/** Push records, each starter's delivery status, and each LA's recent pushes. */
export class PushStore {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly storage: AtomicStorage,
    private readonly retries: number,
  ) {}

  /** Stores a new push and lists it first among the LA's recent pushes. */
  async create(push: Omit<Push, 'id'>, now: Date): Promise<Push> {
    const stored: Push = { ...push, id: randomUUID() };
    await this.storage.write({ [keys.push(stored.id)]: { ...stored } });
    await Promise.all(stored.addresses.map((address) => this.setRecipient(stored.id, { address, status: 'sending', updatedAt: now.toISOString() })));
    const indexKey = keys.laPushes(push.tenantId, push.la.aadObjectId);
    await this.lock.run(indexKey, () =>
      updateItem<{ pushIds: string[] }>(
        this.storage,
        indexKey,
        (current) => ({ pushIds: [stored.id, ...(current?.pushIds ?? [])].slice(0, RECENT_PUSHES) }),
        this.retries,
      ),
    );
    return stored;
  }

  /** Reads a push. */
  get(pushId: string): Promise<Push | undefined> {
    return readItem<Push>(this.storage, keys.push(pushId));
  }

  /** The LA's recent pushes, newest first. */
  async recent(tenantId: string, laObjectId: string): Promise<Push[]> {
    const index = await readItem<{ pushIds: string[] }>(this.storage, keys.laPushes(tenantId, laObjectId));
    const pushes = await Promise.all((index?.pushIds ?? []).map((id) => this.get(id)));
    return pushes.filter((p): p is Push => p !== undefined);
  }

  /** Records where one starter's welcome is. A final status is not overwritten by "sending". */
  async setRecipient(pushId: string, recipient: Recipient): Promise<void> {
    const key = keys.pushRecipient(pushId, recipient.address);
    await this.lock.run(key, () =>
      updateItem<Recipient>(
        this.storage,
        key,
        (current) => (current && recipient.status === 'sending' && current.status !== 'sending' ? undefined : recipient),
        this.retries,
      ),
    );
  }

  /**
   * Puts the starters of a push who were not reached (RESENDABLE) back to "sending", each atomically, and resolves
   * the addresses it changed: only those are queued again, so a second press while they are on their way queues
   * nothing, and a starter who was welcomed meanwhile is left alone.
   */
  async markResending(pushId: string, addresses: readonly string[], now: Date): Promise<string[]> {
    const changed = new Set<string>();
    await Promise.all(
      addresses.map((address) => {
        const key = keys.pushRecipient(pushId, address);
        return this.lock.run(key, () =>
          updateItem<Recipient>(
            this.storage,
            key,
            (current) => {
              // Decided afresh on each attempt (a conflict re-reads), so the set says what the landed write did.
              changed.delete(address);
              if (!current || !RESENDABLE.has(current.status)) return undefined;
              changed.add(address);
              return { address, status: 'sending', updatedAt: now.toISOString(), ...(current.aadObjectId ? { aadObjectId: current.aadObjectId } : {}) };
            },
            this.retries,
          ),
        );
      }),
    );
    return inGivenOrder(addresses, changed);
  }

  /** Every starter of a push with their status, in the order the LA gave them. */
  async recipients(push: Push): Promise<Recipient[]> {
    const items = await this.storage.read(push.addresses.map((a) => keys.pushRecipient(push.id, a)));
    return push.addresses.map((address) => {
      const item = items[keys.pushRecipient(push.id, address)] as (Recipient & { eTag?: string }) | undefined;
      if (!item) return { address, status: 'sending' as const, updatedAt: push.createdAt };
      const { eTag: _eTag, ...recipient } = item;
      return recipient;
    });
  }
}

/** The changed addresses in the order the LA gave them. */
function inGivenOrder(addresses: readonly string[], changed: ReadonlySet<string>): string[] {
  return addresses.filter((a) => changed.has(a));
}
