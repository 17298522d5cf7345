import { keys } from '../state/keys';
import type { AtomicStorage } from '../state/storage';
import { readItem } from '../state/update';

/** What the bot knows about an address: whose it is. */
export interface AddressEntry {
  readonly aadObjectId: string;
}

/** Address (UPN or mail) → Entra object id, learnt from Graph or from Teams member look-ups. */
export class AddressBook {
  constructor(private readonly storage: AtomicStorage) {}

  /** Looks an address up. */
  find(tenantId: string, address: string): Promise<AddressEntry | undefined> {
    return readItem<AddressEntry>(this.storage, keys.address(tenantId, address));
  }

  /** Records whose address it is. */
  async remember(tenantId: string, address: string, entry: AddressEntry): Promise<void> {
    await this.storage.write({ [keys.address(tenantId, address)]: { ...entry } });
  }

  /** Forgets an address (forget me). */
  async forget(tenantId: string, address: string): Promise<void> {
    await this.storage.delete([keys.address(tenantId, address)]);
  }
}
