/** Who is asking: the ids an activity or an Entra token gives. */
export interface Requester {
  readonly aadObjectId: string;
  readonly upn?: string | undefined;
}

/** Who may push the welcome journey: configured object ids and UPNs, and optionally an Entra group. */
export interface LaPolicySettings {
  readonly objectIds: readonly string[];
  readonly upns: readonly string[];
  readonly groupId: string | undefined;
  readonly groupCacheMs: number;
}

/** Checks group membership (Microsoft Graph checkMemberGroups). */
export type GroupCheck = (aadObjectId: string, groupId: string) => Promise<boolean>;

/** Decides whether someone is a Local Administrator. Group answers are cached for a short time. */
export class LocalAdministratorPolicy {
  private readonly objectIds: Set<string>;
  private readonly upns: Set<string>;
  private readonly cache = new Map<string, { isMember: boolean; until: number }>();

  constructor(
    private readonly settings: LaPolicySettings,
    private readonly groupCheck: GroupCheck | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.objectIds = new Set(settings.objectIds.map((id) => id.toLowerCase()));
    this.upns = new Set(settings.upns.map((u) => u.toLowerCase()));
  }

  /** True when at least one way of naming LAs is configured (otherwise nobody is an LA). */
  get configured(): boolean {
    return this.objectIds.size > 0 || this.upns.size > 0 || (this.settings.groupId !== undefined && this.groupCheck !== undefined);
  }

  /** True when the configured UPN list would need the requester's UPN to decide. */
  get needsUpn(): boolean {
    return this.upns.size > 0;
  }

  /** Whether the requester is an LA. A failing group check counts as "no" (fail closed). */
  async isLocalAdministrator(requester: Requester): Promise<boolean> {
    if (this.objectIds.has(requester.aadObjectId.toLowerCase())) return true;
    if (requester.upn !== undefined && this.upns.has(requester.upn.toLowerCase())) return true;
    const groupId = this.settings.groupId;
    if (groupId === undefined || this.groupCheck === undefined) return false;
    const key = requester.aadObjectId.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.isMember;
    let isMember = false;
    try {
      isMember = await this.groupCheck(requester.aadObjectId, groupId);
    } catch {
      return false; // not cached: a Graph outage should not lock an LA out for the whole TTL
    }
    this.cache.set(key, { isMember, until: this.now() + this.settings.groupCacheMs });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return isMember;
  }
}
