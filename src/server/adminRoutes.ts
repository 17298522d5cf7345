import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { STATUS_TEXT } from '../admin/adminCards';
import type { AdminService, LaRequester } from '../admin/adminService';
import { isAuthError, type EntraAuth, type EntraIdentity } from '../auth/entraAuth';
import { MessageRateLimit } from '../bot/messageRateLimit';
import type { Logger } from '../log';

const pushBody = z.object({ addresses: z.union([z.array(z.string().max(320)).min(1).max(5000), z.string().min(1).max(200_000)]) }).strict();

/** Calls one caller may make to the LA API in a minute. */
const ADMIN_CALLS_PER_MINUTE = 60;

/** The LA-side view of a validated token: a person, or an automation and its app roles. */
function laRequester(who: EntraIdentity): LaRequester {
  return { aadObjectId: who.aadObjectId, tenantId: who.tenantId, name: who.name, kind: who.delegated ? 'user' : 'app', roles: who.roles };
}

/** Answers 401 (no or bad token) or 503 (no tenant configured); resolves the caller otherwise. */
export async function authenticate(auth: EntraAuth | undefined, req: Request, res: Response): Promise<EntraIdentity | undefined> {
  if (!auth) {
    res.send(503, { code: 'NotConfigured', message: 'Entra sign-in is not configured on this bot (ENTRA_TENANT_ID, API_AUDIENCES).' });
    return undefined;
  }
  try {
    return await auth.verify(req.header('authorization'));
  } catch (error) {
    if (!isAuthError(error)) throw error;
    if (error.code === 'insufficientScope') {
      res.header('WWW-Authenticate', 'Bearer error="insufficient_scope"');
      res.send(403, { code: 'InsufficientScope', message: 'The token has neither this API\u2019s user scope nor an app role.' });
      return undefined;
    }
    res.header('WWW-Authenticate', 'Bearer');
    res.send(401, { code: 'Unauthorized', message: error.code === 'missing' ? 'A bearer token is required.' : 'The bearer token is not valid for this API.' });
    return undefined;
  }
}

/**
 * The LA API, for the New starters tab and for automation: POST /api/admin/welcome pushes the journey,
 * GET /api/admin/starters lists the caller's starters. Entra bearer token, same LA policy as chat.
 */
export function mountAdminRoutes(deps: { admin: AdminService; auth: EntraAuth | undefined; log: Logger; perMinute?: number }): (server: Server) => void {
  // Per caller, after authentication and before anything is audited, so refused calls cannot flood the audit trail.
  const limit = new MessageRateLimit(deps.perMinute ?? ADMIN_CALLS_PER_MINUTE);
  const caller = async (req: Request, res: Response): Promise<LaRequester | undefined> => {
    const who = await authenticate(deps.auth, req, res);
    if (!who) return undefined;
    if (limit.take(who.aadObjectId.toLowerCase()) !== 'ok') {
      res.header('Retry-After', '60');
      res.send(429, { code: 'TooManyRequests', message: 'Too many requests; try again in a minute.' });
      return undefined;
    }
    return laRequester(who);
  };
  return (server) => {
    server.post('/api/admin/welcome', async (req: Request, res: Response) => {
      const who = await caller(req, res);
      if (!who) return;
      const body = pushBody.safeParse(req.body);
      if (!body.success) {
        res.send(400, { code: 'BadRequest', message: 'Send {"addresses": ["jane.doe@nhs.net", …]} (a list, or one string of addresses).' });
        return;
      }
      const via = req.header('x-welcome-client') === 'tab' ? 'tab' : 'api';
      const outcome = await deps.admin.push(who, body.data.addresses, via);
      switch (outcome.kind) {
        case 'refused':
          res.send(403, { code: 'Forbidden', message: 'Only Local Administrators can send the welcome journey.' });
          return;
        case 'tooMany':
          res.send(400, { code: 'TooMany', message: `At most ${outcome.maxBatch} addresses at a time (got ${outcome.count}).` });
          return;
        case 'nothingValid':
          res.send(400, { code: 'NoValidAddresses', message: 'No valid address in an allowed domain.', invalid: outcome.invalid, otherDomain: outcome.otherDomain });
          return;
        case 'queued':
          deps.log.info({ event: 'admin.push', pushId: outcome.push.id, count: outcome.push.addresses.length, via }, 'push queued');
          res.send(202, {
            pushId: outcome.push.id,
            accepted: outcome.push.addresses,
            invalid: outcome.push.invalid,
            otherDomain: outcome.push.otherDomain,
            duplicates: outcome.push.duplicates,
          });
          return;
      }
    });

    server.get('/api/admin/starters', async (req: Request, res: Response) => {
      const who = await caller(req, res);
      if (!who) return;
      if (!(await deps.admin.authorise(who, 'api', 'starters'))) {
        res.send(403, { code: 'Forbidden', message: 'Only Local Administrators can see starters.' });
        return;
      }
      const starters = await deps.admin.starters(who);
      res.send(200, { starters: starters.map((s) => ({ ...s, statusText: STATUS_TEXT[s.status] })) });
    });
  };
}
