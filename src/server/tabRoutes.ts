import { promises as fs } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Request, Response, Server } from 'restify';

/**
 * Hosts allowed to frame the tabs (CSP frame-ancestors), as Microsoft lists them in "Prerequisites"
 * for tabs (https://learn.microsoft.com/microsoftteams/platform/tabs/how-to/tab-requirements):
 * Teams, Microsoft 365 (office.com / microsoft365.com), Outlook, and *.cloud.microsoft, the domain
 * all of them are moving to. The Teams mobile apps load the tab at the top level of a web view, where
 * frame-ancestors does not apply.
 */
export const FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://teams.cloud.microsoft',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook-sdf.office.com',
  'https://outlook-sdf.office365.com',
] as const;

/**
 * Where the pages may connect besides their own origin: teams-js fetches the current list of Microsoft host
 * origins it trusts from this CDN (falling back to the list compiled into the library when it cannot).
 */
export const CONNECT_SOURCES = ["'self'", 'https://res.cdn.office.net'] as const;

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml',
  map: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/** A built file name: one path segment of letters, digits, dots and dashes, with a known extension. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.([a-z]+)$/;

/**
 * The headers every tab response carries: framing only by Teams and Microsoft 365 hosts; scripts, styles and
 * data only from this origin (no inline script or style, so a reflected string can never run).
 */
export function tabSecurityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src ${CONNECT_SOURCES.join(' ')}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${FRAME_ANCESTORS.join(' ')}`,
    ].join('; '),
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/** The file under dir that a /tabs/… path names, or undefined (not one flat, known, well-formed file name). */
export function tabFile(dir: string, requestPath: string): { path: string; type: string } | undefined {
  let name: string;
  try {
    name = decodeURIComponent(requestPath.replace(/^\/tabs\//, ''));
  } catch {
    return undefined;
  }
  const match = FILE_NAME.exec(name);
  const type = match?.[1] !== undefined ? TYPES[match[1]] : undefined;
  if (!match || type === undefined || name.includes('..')) return undefined;
  const root = resolve(dir);
  const path = join(root, name);
  if (!path.startsWith(root + sep)) return undefined;
  return { path, type };
}

/** Serves the built tab pages (npm run build:tabs writes them) under /tabs/, read-only, with the security headers. */
export function mountTabRoutes(dir: string): (server: Server) => void {
  const serve = (withBody: boolean) => async (req: Request, res: Response) => {
    const file = tabFile(dir, req.path() ?? '');
    let body: Buffer | undefined;
    if (file) {
      try {
        body = await fs.readFile(file.path);
      } catch {
        body = undefined;
      }
    }
    if (!file || !body) {
      res.send(404, { code: 'NotFound', message: 'Not found.' });
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': body.length, ...tabSecurityHeaders() });
    res.end(withBody ? body : undefined);
  };
  return (server) => {
    server.get('/tabs/*', serve(true));
    server.head('/tabs/*', serve(false));
  };
}
