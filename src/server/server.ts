import { z } from 'zod';
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from '../log';
import type { ActivityEndpoint } from '../teams/endpoint';
import type { Telemetry } from '../telemetry/telemetry';
import type { Readiness } from './readiness';
import { RefusalLogLimiter, type ChannelTokenRefusal, type ChannelTokenVerifier } from './channelToken';

export interface ServerDeps {
  /** Runs an activity that passed the checks here (the Teams edge: the SDK's own authentication, then the turn). */
  readonly activities: ActivityEndpoint;
  /** Checks a channel token before the SDK sees it; undefined when authentication is off (no MicrosoftAppId). */
  readonly channelToken: ChannelTokenVerifier | undefined;
  /** What /readyz reports: storage, the delivery queue, and Graph when configured. */
  readonly readiness: Readiness;
  readonly telemetry: Telemetry;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** Hosts an activity's serviceUrl may name (the bot replies there). */
  readonly allowedServiceHosts: readonly string[];
  /** Extra routes (admin API, tabs) mounted by their own modules. */
  readonly mount?: ((server: Server) => void)[];
}

/** The least an activity must have before botbuilder sees it; the bot validates the rest per activity type. */
const activityEnvelope = z
  .object({
    type: z.string().min(1).max(64),
    channelId: z.string().min(1).max(64).optional(),
    serviceUrl: z.string().max(2048).optional(),
    conversation: z
      .object({ id: z.string().min(1).max(512) })
      .loose()
      .optional(),
  })
  .loose();

/** Log lines a minute for refused authentication (the rest are counted in the next line). */
const AUTH_REFUSED_LOG_PER_MINUTE = 20;
/** The one body every refused Bot Framework request gets, whatever the reason. */
const UNAUTHORIZED = { code: 'Unauthorized', message: 'The request is not authorized.' } as const;

/** The largest refused body the server still reads to its end (and discards) so that the client sees the answer. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/** Methods whose requests may carry a body; every body must be JSON. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses, before a byte of the body is read, any body that is not plain JSON: another content type (415, so
 * multipart never reaches a parser that writes files), a content encoding (415: a gzip body would be inflated
 * without a bound), or a declared length over the limit (413).
 */
function jsonOnly(maxBodyBytes: number) {
  return (req: Request, res: Response, next: (err?: false) => void): void => {
    if (!BODY_METHODS.has(req.method ?? '')) return next();
    const declared = req.headers['content-length'];
    const hasBody = req.isChunked() || (declared !== undefined && declared !== '0');
    if (!hasBody) return next();
    const encoding = req.headers['content-encoding'];
    if ((encoding !== undefined && encoding.toLowerCase() !== 'identity') || !req.is('json')) {
      res.send(415, { code: 'UnsupportedMediaType', message: publicMessage(415) });
      return next(false);
    }
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      // Up to DRAIN_LIMIT_BYTES, Node reads the unread body and discards it after the answer (no memory kept), so
      // the client can finish sending and read the 413; closing at once would reset the connection under it.
      // Beyond that, close rather than take the bytes.
      if (Number(declared) > DRAIN_LIMIT_BYTES) res.header('Connection', 'close');
      res.send(413, { code: 'PayloadTooLarge', message: publicMessage(413) });
      return next(false);
    }
    return next();
  };
}

/** Builds the HTTP server: the Bot Framework endpoint, health probes, and any mounted routes. */
export function createServer(deps: ServerDeps): { server: Server; inFlight: () => number } {
  const server = restify.createServer({ name: 'nhsmail-welcome-bot', handleUncaughtExceptions: false });
  let inFlight = 0;

  server.pre((req: Request, res: Response, next) => {
    inFlight++;
    res.once('close', () => inFlight--);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    return next();
  });
  // JSON only: restify's bodyParser would hand multipart bodies to formidable, which writes them to temp files.
  server.use(jsonOnly(deps.maxBodyBytes));
  server.use(restify.plugins.bodyReader({ maxBodySize: deps.maxBodyBytes }));
  server.use(restify.plugins.jsonBodyParser({ bodyReader: true, mapParams: false }));

  const refusals = new RefusalLogLimiter(AUTH_REFUSED_LOG_PER_MINUTE);
  const refuse = (res: Response, reason: ChannelTokenRefusal | 'validation'): void => {
    deps.telemetry.count('auth.refused', { surface: 'botFramework', reason });
    const suppressed = refusals.admit();
    if (suppressed !== undefined) deps.log.warn({ event: 'auth.refused', reason, suppressed }, 'bot framework request refused');
    res.header('WWW-Authenticate', 'Bearer');
    res.send(401, UNAUTHORIZED);
  };

  server.post('/api/messages', async (req: Request, res: Response) => {
    if (!req.is('json')) {
      res.send(415, { code: 'UnsupportedMediaType', message: publicMessage(415) });
      return;
    }
    const envelope = activityEnvelope.safeParse(req.body);
    if (!envelope.success) {
      res.send(400, { code: 'BadActivity', message: 'The body must be a JSON activity with a type, an id and a conversation.' });
      return;
    }
    const serviceUrl = envelope.data.serviceUrl;
    if (serviceUrl !== undefined && !serviceUrlAllowed(serviceUrl, deps.allowedServiceHosts)) {
      deps.log.warn({ event: 'http.serviceUrlRefused' }, 'activity names a service URL outside the allow-list');
      res.send(400, { code: 'BadServiceUrl', message: 'The activity’s serviceUrl is not a Teams service URL.' });
      return;
    }
    const authorization = req.header('authorization') || undefined;
    if (deps.channelToken) {
      const refusal = await deps.channelToken.check(authorization, serviceUrl, envelope.data.channelId);
      if (refusal) {
        refuse(res, refusal);
        return;
      }
    }
    try {
      const outcome = await deps.activities.run(envelope.data, authorization);
      if (outcome.kind === 'refused') {
        refuse(res, 'validation');
        return;
      }
      if (outcome.body !== undefined) res.send(outcome.status, outcome.body);
      else res.send(outcome.status);
    } catch (error) {
      deps.log.error({ event: 'http.processFailed', name: (error as Error).name }, 'activity could not be processed');
      if (!res.headersSent) res.send(500, { code: 'Internal', message: publicMessage(500) });
    }
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'alive' });
  });

  // Each dependency's state and latency; 503 when any is down. Neither probe writes a log line (they run every few seconds).
  server.get('/readyz', async (_req: Request, res: Response) => {
    const report = await deps.readiness.report();
    res.header('Cache-Control', 'no-store');
    res.send(report.status === 'ready' ? 200 : 503, report);
  });

  for (const mount of deps.mount ?? []) mount(server);

  // Restify answers errors itself (400 bad JSON, 413 too large, 415 wrong type); make sure nothing leaks a stack.
  server.on('restifyError', (req: Request, res: Response, err: Error & { statusCode?: number; toJSON?: () => object }, callback: () => void) => {
    deps.log.warn({ event: 'http.error', status: err.statusCode, route: req.getRoute()?.path, name: err.name }, 'request refused');
    err.toJSON = () => ({ code: err.name.replace(/Error$/, ''), message: publicMessage(err.statusCode) });
    return callback();
  });

  return { server, inFlight: () => inFlight };
}

/** True when a service URL is http(s) on an allowed host ("*.example.com" allows subdomains). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when the bot may send to this serviceUrl: a listed host, https (plain http only on loopback, where the
 * Agents Playground and emulators live), and no credentials in the URL.
 */
export function serviceUrlAllowed(serviceUrl: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname.toLowerCase()))) return false;
  if (url.username !== '' || url.password !== '') return false;
  const host = url.hostname.toLowerCase();
  return allowed.some((a) => (a.startsWith('*.') ? host.endsWith(a.slice(1)) : host === a));
}

function publicMessage(status: number | undefined): string {
  switch (status) {
    case 400:
      return 'The request body is not valid JSON.';
    case 404:
      return 'Not found.';
    case 405:
      return 'Method not allowed.';
    case 413:
      return 'The request body is too large.';
    case 415:
      return 'The request body must be JSON.';
    default:
      return 'The request could not be processed.';
  }
}
