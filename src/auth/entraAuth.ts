import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

/** Who a valid Entra token says the caller is. */
export interface EntraIdentity {
  readonly aadObjectId: string;
  readonly tenantId: string;
  readonly upn: string | undefined;
  readonly name: string;
  /** A user's delegated token (it has scopes, `scp`), as Teams SSO gives a tab; false for an app-only token (roles). */
  readonly delegated: boolean;
  /** App roles of an app-only token (empty for a delegated one). */
  readonly roles: readonly string[];
}

/** The scope the tabs' SSO token carries (docs/teams-app.md, Expose an API). */
export const USER_SCOPE = 'access_as_user';

/** Why a token was refused; the HTTP layer answers 401 with this code, never with details of the token. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(readonly code: 'missing' | 'invalid' | 'wrongTenant' | 'insufficientScope') {
    super(`bearer token ${code}`);
  }
}

/** Type guard for AuthError. */
export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}

const claimsSchema = z.object({
  oid: z.string().min(1),
  tid: z.string().min(1),
  name: z.string().optional(),
  preferred_username: z.string().optional(),
  upn: z.string().optional(),
  scp: z.string().max(2048).optional(),
  roles: z.array(z.string().max(256)).max(100).optional(),
  idtyp: z.string().max(16).optional(),
});

export interface EntraAuthSettings {
  readonly tenantId: string;
  readonly audiences: readonly string[];
  readonly issuers: readonly string[];
  readonly jwksUrl: string;
}

/**
 * Validates Entra bearer tokens (the Teams SSO token of a tab, or a token an automation obtained):
 * RS256 signature against the tenant's published keys, issuer, audience, expiry, and the tenant.
 */
export class EntraAuth {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly settings: EntraAuthSettings,
    /** Told why each token was refused (telemetry counts refusals; never the token). */
    private readonly onRefused: (code: AuthError['code']) => void = () => undefined,
  ) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  }

  /** Reads "Authorization: Bearer …" and returns the caller, or throws AuthError. */
  async verify(authorization: string | undefined): Promise<EntraIdentity> {
    try {
      return await this.check(authorization);
    } catch (error) {
      if (isAuthError(error)) this.onRefused(error.code);
      throw error;
    }
  }

  private async check(authorization: string | undefined): Promise<EntraIdentity> {
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!match?.[1]) throw new AuthError('missing');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(match[1], this.keys, {
        issuer: [...this.settings.issuers],
        audience: [...this.settings.audiences],
        algorithms: ['RS256'],
        clockTolerance: 300,
        requiredClaims: ['exp'],
      }));
    } catch {
      throw new AuthError('invalid');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new AuthError('invalid');
    if (claims.data.tid.toLowerCase() !== this.settings.tenantId.toLowerCase()) throw new AuthError('wrongTenant');
    const scopes = (claims.data.scp ?? '').split(' ').filter((s) => s !== '');
    const roles = claims.data.roles ?? [];
    // A delegated token must carry this API's own scope; an app-only token (no scopes; idtyp "app") an app role.
    const delegated = scopes.length > 0 && claims.data.idtyp !== 'app';
    if (delegated ? !scopes.includes(USER_SCOPE) : roles.length === 0) throw new AuthError('insufficientScope');
    // preferred_username and upn are display claims (Microsoft: not for authorisation): shown, never matched.
    const upn = claims.data.preferred_username ?? claims.data.upn;
    return {
      aadObjectId: claims.data.oid,
      tenantId: claims.data.tid,
      upn,
      name: delegated ? (claims.data.name ?? upn ?? 'Local Administrator') : 'Automation (app-only token)',
      delegated,
      roles: delegated ? [] : roles,
    };
  }
}
