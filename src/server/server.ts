import { z } from 'zod';
import restify, { type Request, type Response, type Server } from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { ActivityHandler } from 'botbuilder';
import type { Logger } from '../log';
import type { AtomicStorage } from '../state/storage';

export interface ServerDeps {
  readonly adapter: CloudAdapter;
  readonly bot: ActivityHandler;
  readonly storage: AtomicStorage;
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
    conversation: z.object({ id: z.string().min(1).max(512) }).loose().optional(),
  })
  .loose();

/** How long /readyz waits for the store before calling it unreachable. */
const READY_TIMEOUT_MS = 2000;

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
  server.use(restify.plugins.bodyParser({ maxBodySize: deps.maxBodyBytes, mapParams: false, rejectUnknown: true }));

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
    try {
      await deps.adapter.process(req, res, (context) => deps.bot.run(context));
    } catch (error) {
      deps.log.error({ event: 'http.processFailed', name: (error as Error).name }, 'activity could not be processed');
      if (!res.headersSent) res.send(500, { code: 'Internal', message: publicMessage(500) });
    }
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'alive' });
  });

  server.get('/readyz', async (_req: Request, res: Response) => {
    try {
      await withTimeout(deps.storage.ping(), READY_TIMEOUT_MS);
      res.send(200, { status: 'ready' });
    } catch {
      res.send(503, { status: 'unready', reason: 'storage unreachable' });
    }
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
