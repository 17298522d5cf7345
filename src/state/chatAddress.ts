/**
 * How to reach a user's chat again: the bounded fields a proactive send needs, as the project stores them. The same
 * JSON shape as botbuilder's ConversationReference (records written by earlier releases read unchanged), but owned
 * here: only the Teams edge (src/teams) turns it into botbuilder's type.
 */
export interface ChatAddress {
  readonly channelId?: string;
  readonly serviceUrl?: string;
  readonly locale?: string;
  readonly user?: { readonly id: string; readonly name?: string; readonly aadObjectId?: string; readonly role?: string };
  readonly bot?: { readonly id: string; readonly name?: string };
  readonly conversation?: {
    readonly id: string;
    readonly name?: string;
    readonly isGroup?: boolean;
    readonly conversationType?: string;
    readonly tenantId?: string;
  };
}

/** The tenant whose Teams budget a send to this chat spends (the rate limiter's key). */
export function addressTenant(address: ChatAddress): string {
  return address.conversation?.tenantId ?? 'default';
}
