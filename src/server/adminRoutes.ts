import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { pushTitle, STATUS_TEXT } from '../admin/adminCards';
import { pushIdSchema, starterFilterSchema, type StarterFilter } from '../admin/intake';
import type { AdminService, LaRequester } from '../admin/adminService';
import { isAuthError, type EntraAuth, type EntraIdentity } from '../auth/entraAuth';
import { MessageRateLimit } from '../routing/messageRateLimit';
import type { Logger } from '../log';

const pushBody = z.object({ addresses: z.union([z.array(z.string().max(320)).min(1).max(5000), z.string().min(1).max(200_000)]) }).strict();

/** The filter in a query string (?push=…&progress=…); undefined (answer 400) for anything else. */
function filterOf(req: Request): StarterFilter | undefined {
  const query = req.getQuery();
  if (typeof query !== 'string' || query.length > 500) return undefined;
  const parsed = starterFilterSchema.safeParse(Object.fromEntries(new URLSearchParams(query)));
  return parsed.success ? parsed.data : undefined;
}

/** Which client made the call, for the audit trail: the New starters tab says so in a header; anything else is the API. */
function clientOf(req: Request): 'tab' | 'api' {
  return req.header('x-welcome-client') === 'tab' ? 'tab' : 'api';
}

const BAD_FILTER = { code: 'BadRequest', message: 'Filter with ?push=<push id>&progress=notStarted|mustDoOutstanding|finished (both optional).' };

/** Calls one caller may make in a minute to the LA API, and as many to the personal tab's API. */
export const CALLS_PER_MINUTE = 60;

/**
 * Counts an authenticated caller's call; answers 429 and resolves false once they are over the limit. Per caller
 * (their object id), after authentication and before anything is read, written or audited: a refused call costs the
 * store nothing and cannot flood the audit trail. An unauthenticated call never gets this far.
 */
export function withinLimit(limit: MessageRateLimit, who: EntraIdentity, res: Response): boolean {
  if (limit.take(who.aadObjectId.toLowerCase()) === 'ok') return true;
  res.header('Retry-After', '60');
  res.send(429, { code: 'TooManyRequests', message: 'Too many requests; try again in a minute.' });
  return false;
}

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
 * GET /api/admin/starters lists the caller's starters (filtered by push and progress) and their pushes,
 * GET /api/admin/starters.csv exports them, POST /api/admin/pushes/{id}/resend resends a push to those it did not
 * reach. Entra bearer token, same LA policy as chat.
 */
export function mountAdminRoutes(deps: { admin: AdminService; auth: EntraAuth | undefined; log: Logger; perMinute?: number }): (server: Server) => void {
  const limit = new MessageRateLimit(deps.perMinute ?? CALLS_PER_MINUTE);
  const caller = async (req: Request, res: Response): Promise<LaRequester | undefined> => {
    const who = await authenticate(deps.auth, req, res);
    return who && withinLimit(limit, who, res) ? laRequester(who) : undefined;
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
      const via = clientOf(req);
      const outcome = await deps.admin.push(who, body.data.addresses, via);
      switch (outcome.kind) {
        case 'refused':
          res.send(403, { code: 'Forbidden', message: 'Only Local Administrators can send the welcome journey.' });
          return;
        case 'tooMany':
          res.send(400, { code: 'TooMany', message: `At most ${outcome.maxBatch} addresses at a time (got ${outcome.count}).` });
          return;
        case 'nothingValid':
          res.send(400, {
            code: 'NoValidAddresses',
            message: 'No valid address in an allowed domain.',
            invalid: outcome.invalid,
            otherDomain: outcome.otherDomain,
          });
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
      const filter = filterOf(req);
      if (!filter) {
        res.send(400, BAD_FILTER);
        return;
      }
      if (!(await deps.admin.authorise(who, 'api', 'starters'))) {
        res.send(403, { code: 'Forbidden', message: 'Only Local Administrators can see starters.' });
        return;
      }
      const { starters, pushes } = await deps.admin.startersAndReach(who, filter);
      res.send(200, {
        starters: starters.map((s) => ({ ...s, statusText: STATUS_TEXT[s.status] })),
        pushes: pushes.map(({ push, notReached }) => ({
          id: push.id,
          title: pushTitle(push),
          createdAt: push.createdAt,
          count: push.addresses.length,
          notReached,
        })),
      });
    });

    // The LA's starters as CSV (same filter), for the tab's download; audited, and refused (audited) for anyone else.
    server.get('/api/admin/starters.csv', async (req: Request, res: Response) => {
      const who = await caller(req, res);
      if (!who) return;
      const filter = filterOf(req);
      if (!filter) {
        res.send(400, BAD_FILTER);
        return;
      }
      const via = clientOf(req);
      const outcome = await deps.admin.exportCsv(who, filter, via);
      if (outcome.kind === 'refused') {
        res.send(403, { code: 'Forbidden', message: 'Only Local Administrators can export starters.' });
        return;
      }
      deps.log.info({ event: 'admin.export', count: outcome.count, via }, 'starters exported');
      // A byte-order mark, so that Excel reads the file as UTF-8.
      const body = Buffer.from(`\uFEFF${outcome.csv}`, 'utf8');
      res.writeHead(200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="new-starters.csv"',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(body);
    });

    // Resends one of the caller's pushes to the starters it did not reach (failed or pending); never to the welcomed.
    server.post('/api/admin/pushes/:pushId/resend', async (req: Request, res: Response) => {
      const who = await caller(req, res);
      if (!who) return;
      const pushId = pushIdSchema.safeParse((req.params as Record<string, unknown> | undefined)?.['pushId']);
      if (!pushId.success) {
        res.send(404, { code: 'NotFound', message: 'No such push.' });
        return;
      }
      const via = clientOf(req);
      const outcome = await deps.admin.resend(who, pushId.data, via);
      switch (outcome.kind) {
        case 'refused':
          res.send(403, { code: 'Forbidden', message: 'Only Local Administrators can send the welcome journey.' });
          return;
        case 'notFound':
          res.send(404, { code: 'NotFound', message: 'No such push among yours.' });
          return;
        case 'queued':
          deps.log.info({ event: 'admin.resend', pushId: pushId.data, count: outcome.addresses.length, via }, 'resend queued');
          res.send(202, { pushId: pushId.data, resent: outcome.addresses });
          return;
      }
    });
  };
}
