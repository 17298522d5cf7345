import { LRUCache } from 'lru-cache';

/** Who is asking: the Entra object id an activity or a validated token gives (never a display claim). */
export interface Requester {
  readonly aadObjectId: string;
}

/**
 * Who may push the welcome journey: configured object ids, UPNs (resolved to object ids through Microsoft Graph:
 * a UPN claim in a token is not for authorisation), and optionally an Entra group.
 */
export interface LaPolicySettings {
  readonly objectIds: readonly string[];
  readonly upns: readonly string[];
  readonly groupId: string | undefined;
  readonly groupCacheMs: number;
}

/** Checks group membership (Microsoft Graph checkMemberGroups). */
export type GroupCheck = (aadObjectId: string, groupId: string) => Promise<boolean>;

/** Finds the object id of a UPN (Microsoft Graph GET /users/{upn}); undefined when there is no such user. */
export type UpnResolver = (upn: string) => Promise<string | undefined>;

/** Decides whether someone is a Local Administrator. Group answers are cached for a short time. */
export class LocalAdministratorPolicy {
  private readonly objectIds: Set<string>;
  private readonly upns: string[];
  /** Group answers by object id, the 10,000 most recently asked. */
  private readonly cache = new LRUCache<string, { isMember: boolean; until: number }>({ maxSize: 10_000, sizeCalculation: () => 1 }); // no room allocated up front
  private readonly resolved = new Map<string, { objectId: string | undefined; until: number }>();

  constructor(
    private readonly settings: LaPolicySettings,
    private readonly groupCheck: GroupCheck | undefined,
    private readonly resolveUpn: UpnResolver | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.objectIds = new Set(settings.objectIds.map((id) => id.toLowerCase()));
    this.upns = [...new Set(settings.upns.map((u) => u.toLowerCase()))];
  }

  /** True when at least one way of naming LAs is configured (otherwise nobody is an LA). */
  get configured(): boolean {
    return (
      this.objectIds.size > 0 ||
      (this.upns.length > 0 && this.resolveUpn !== undefined) ||
      (this.settings.groupId !== undefined && this.groupCheck !== undefined)
    );
  }

  /** Whether the requester is an LA, by object id alone. A failing Graph call counts as "no" (fail closed). */
  async isLocalAdministrator(requester: Requester): Promise<boolean> {
    const objectId = requester.aadObjectId.toLowerCase();
    if (this.objectIds.has(objectId)) return true;
    if (await this.isConfiguredUpn(objectId)) return true;
    const groupId = this.settings.groupId;
    if (groupId === undefined || this.groupCheck === undefined) return false;
    const key = requester.aadObjectId.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.isMember;
    let isMember: boolean;
    try {
      isMember = await this.groupCheck(requester.aadObjectId, groupId);
    } catch {
      return false; // not cached: a Graph outage should not lock an LA out for the whole TTL
    }
    this.cache.set(key, { isMember, until: this.now() + this.settings.groupCacheMs });
    return isMember;
  }

  /** True when one of the configured UPNs resolves (through Graph, cached like group answers) to this object id. */
  private async isConfiguredUpn(objectId: string): Promise<boolean> {
    if (this.upns.length === 0 || this.resolveUpn === undefined) return false;
    for (const upn of this.upns) {
      let entry = this.resolved.get(upn);
      if (!entry || entry.until <= this.now()) {
        try {
          entry = { objectId: (await this.resolveUpn(upn))?.toLowerCase(), until: this.now() + this.settings.groupCacheMs };
          this.resolved.set(upn, entry);
        } catch {
          continue; // not cached: try again next time
        }
      }
      if (entry.objectId === objectId) return true;
    }
    return false;
  }
}
