import { promises as fs } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { Request, Response, Server } from 'restify';

/** Hosts allowed to frame the tabs: Teams (web, desktop, mobile) and the Microsoft 365 apps that host Teams apps. */
export const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://teams.cloud.microsoft',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://*.skype.com',
] as const;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** The headers every tab response carries: framing only by Teams hosts, scripts and data only from this origin. */
export function tabSecurityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${FRAME_ANCESTORS.join(' ')}`,
    ].join('; '),
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/** Serves the built tab pages (esbuild output) under /tabs/, read-only, with the security headers. */
export function mountTabRoutes(dir: string): (server: Server) => void {
  return (server) => {
    server.get('/tabs/*', async (req: Request, res: Response) => {
      const relative = normalize(decodeURIComponent((req.path() ?? '').replace(/^\/tabs\//, ''))).replace(/^(\.\.[/\\])+/, '');
      const type = TYPES[extname(relative)];
      if (relative === '' || relative.includes('..') || type === undefined) {
        res.send(404, { code: 'NotFound', message: 'Not found.' });
        return;
      }
      let body: Buffer;
      try {
        body = await fs.readFile(join(dir, relative));
      } catch {
        res.send(404, { code: 'NotFound', message: 'Not found.' });
        return;
      }
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, ...tabSecurityHeaders() });
      res.end(body);
    });
  };
}
