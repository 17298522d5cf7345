import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { EntraAuth, EntraIdentity } from '../auth/entraAuth';
import type { JourneyFlow } from '../journey/journeyFlow';
import { allActions, mustDoActions } from '../journey/journey';
import type { Content } from '../content/load';
import { summarise, type Progress } from '../journey/progress';
import { userRefOf, type UserRef } from '../state/users';
import { MessageRateLimit } from '../routing/messageRateLimit';
import { authenticate, CALLS_PER_MINUTE, withinLimit } from './adminRoutes';

const ackBody = z.object({ actionId: z.string().min(1).max(80), done: z.boolean() }).strict();

/**
 * The caller, from a user's own (delegated) token. An app-only token has an object id too (the app's), but no
 * user behind it: it has no checklist to read or tick, so it gets 403 rather than an empty one.
 */
async function authenticateUser(auth: EntraAuth | undefined, req: Request, res: Response): Promise<EntraIdentity | undefined> {
  const who = await authenticate(auth, req, res);
  if (who && !who.delegated) {
    res.send(403, { code: 'UserTokenRequired', message: 'This API acts for a signed-in user; an app-only token cannot use it.' });
    return undefined;
  }
  return who;
}

/**
 * The personal tab's API: GET /api/me/checklist (the caller's journey and ticks) and
 * POST /api/me/acknowledgements (tick or untick, the same acknowledgement as in chat).
 */
export function mountMeRoutes(deps: { flow: JourneyFlow; content: Content; auth: EntraAuth | undefined; perMinute?: number }): (server: Server) => void {
  // Each call reads the user's record and progress, and a tick writes: a signed-in script may not make that unbounded.
  const limit = new MessageRateLimit(deps.perMinute ?? CALLS_PER_MINUTE);
  const caller = async (req: Request, res: Response): Promise<EntraIdentity | undefined> => {
    const who = await authenticateUser(deps.auth, req, res);
    return who && withinLimit(limit, who, res) ? who : undefined;
  };
  const userOf = async (tenantId: string, aadObjectId: string): Promise<UserRef | undefined> => {
    const record = await deps.flow.record({ tenantId, userId: aadObjectId, aadObjectId });
    // No chat yet (an LA's welcome is on its way, or could not be delivered): nothing to tick until there is one.
    if (!record || record.conversationId === '') return undefined;
    return { ...userRefOf(record), aadObjectId };
  };

  const checklist = (progress: Progress | undefined, started: boolean): object => {
    const journey = deps.content.journey;
    const summary = progress ? summarise(progress, journey) : undefined;
    const total = allActions(journey).length;
    return {
      started,
      service: deps.content.service.name,
      done: summary?.done ?? 0,
      total,
      mustDoDone: summary?.mustDoDone ?? 0,
      mustDoTotal: mustDoActions(journey).length,
      steps: journey.steps
        .filter((s) => s.actions.length > 0)
        .map((s) => ({
          id: s.id,
          title: s.title,
          actions: s.actions.map((a) => ({
            id: a.id,
            title: a.title,
            mustDo: a.mustDo,
            doneAt: progress?.acknowledged[a.id] ?? null,
            links: a.links.map((l) => ({ title: l.title, url: l.url })),
          })),
        })),
    };
  };

  return (server) => {
    server.get('/api/me/checklist', async (req: Request, res: Response) => {
      const who = await caller(req, res);
      if (!who) return;
      const user = await userOf(who.tenantId, who.aadObjectId);
      const progress = user ? await deps.flow.progress(user) : undefined;
      res.send(200, checklist(progress, user !== undefined));
    });

    server.post('/api/me/acknowledgements', async (req: Request, res: Response) => {
      const who = await caller(req, res);
      if (!who) return;
      const body = ackBody.safeParse(req.body);
      if (!body.success) {
        res.send(400, { code: 'BadRequest', message: 'Send {"actionId": "…", "done": true|false}.' });
        return;
      }
      const user = await userOf(who.tenantId, who.aadObjectId);
      if (!user) {
        res.send(409, { code: 'NotStarted', message: 'Open a chat with the bot in Teams first; your checklist starts there.' });
        return;
      }
      const progress = await deps.flow.setAcknowledged(user, body.data.actionId, body.data.done);
      if (!progress) {
        res.send(404, { code: 'UnknownAction', message: 'That action is not on the checklist (the page may be out of date).' });
        return;
      }
      res.send(200, checklist(progress, true));
    });
  };
}
