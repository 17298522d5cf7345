/**
 * Small pieces shared by the loopback emulators: a clock that tests can move, a JSON HTTP server on
 * 127.0.0.1:0 that closes cleanly, body reading and JSON answers. Plain `node:http`, no test framework,
 * so benchmarks can reuse the emulators.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Source of "now" in milliseconds; emulators take one so tests can move time instead of waiting. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to (`advance`, `set`). */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/** Creates a manual clock starting at `startMs` (default: the current wall time). */
export function manualClock(startMs: number = Date.now()): ManualClock {
  let t = startMs;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

/** JSON values the emulators read and write. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** True when `v` is a plain JSON object (not an array or null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A request as the emulators see it: method, path without query, query, raw and parsed body. */
export interface ParsedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  rawBody: Buffer;
  /** JSON body when the request carried parseable JSON, else undefined. */
  json: Json | undefined;
}

/** What a handler answers. `body` undefined sends no body (e.g. Graph's empty 201). */
export interface Reply {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}

/** A running loopback server. */
export interface LoopbackServer {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:53211 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Reads the whole request body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function parseJson(raw: Buffer): Json | undefined {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    return undefined;
  }
}

/** Writes a reply; JSON bodies get `application/json; charset=utf-8` as the real services send. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['content-type'] = headers['content-type'] ?? 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

/** Resolves after `ms` of real time (0 resolves on the next turn). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts an HTTP server on 127.0.0.1, port 0, that parses each request and passes it to `handle`.
 * A handler that throws answers 500 so a bug in an emulator shows up as a failing call, not a hang.
 */
export async function startLoopbackServer(
  handle: (req: ParsedRequest, raw: IncomingMessage) => Promise<Reply>,
  onReplied?: (req: ParsedRequest, reply: Reply) => void,
): Promise<LoopbackServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const parsed: ParsedRequest = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: flattenHeaders(req),
        rawBody,
        json: parseJson(rawBody),
      };
      let reply: Reply;
      try {
        reply = await handle(parsed, req);
      } catch (err) {
        reply = {
          status: 500,
          body: { error: { code: 'EmulatorBug', message: err instanceof Error ? err.message : String(err) } },
        };
      }
      sendReply(res, reply);
      onReplied?.(parsed, reply);
    })();
  });
  // Keep-alive sockets from clients (undici, node-fetch agents) must not keep close() waiting.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A predicate-based waiter over a growing list of records; used by every emulator's `waitFor`. */
export class RecordLog<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<{ match: (r: T) => boolean; resolve: (r: T) => void }>();

  /** Appends a record and wakes the waiters it satisfies. */
  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      if (w.match(item)) {
        this.waiters.delete(w);
        w.resolve(item);
      }
    }
  }

  /** Resolves with the first record (already present or arriving) that matches, or rejects after `timeoutMs`. */
  waitFor(match: (r: T) => boolean, timeoutMs = 2000, what = 'record'): Promise<T> {
    const found = this.items.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: T) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching ${what} within ${timeoutMs} ms (${this.items.length} recorded)`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Forgets every record (waiters stay). */
  clear(): void {
    this.items.length = 0;
  }
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const h = headers['authorization'];
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/.exec(h.trim());
  return m?.[1];
}
