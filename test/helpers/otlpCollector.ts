/**
 * An OpenTelemetry collector emulated on loopback: accepts OTLP/HTTP posts (JSON, as @opentelemetry/exporter-*-otlp-http
 * send them) on /v1/traces and /v1/metrics and keeps them for the test to read. No test-framework imports.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { selfSignedCertificate } from './managedIdentity';

/** Largest post kept (the bot's batches are far smaller). */
const MAX_BODY = 4 * 1024 * 1024;

export interface OtlpPost {
  readonly path: string;
  readonly contentType: string;
  readonly body: unknown;
  readonly raw: string;
}

export interface OtlpCollector {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly posts: readonly OtlpPost[];
  /** Span names posted so far. */
  spanNames(): string[];
  /** Metric names posted so far. */
  metricNames(): string[];
  /** Every attribute (span, data point) posted so far, as key and value. */
  attributes(): [string, unknown][];
  close(): Promise<void>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };

function valueOf(v: OtlpValue): unknown {
  return v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue;
}

/** Starts the collector on 127.0.0.1 and a free port. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const posts: OtlpPost[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const path = req.url ?? '';
      if (req.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics') || size > MAX_BODY) {
        res.statusCode = 404;
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        res.statusCode = 400;
        res.end();
        return;
      }
      posts.push({ path, contentType: String(req.headers['content-type'] ?? ''), body, raw });
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const spans = (): { name: string; attributes?: OtlpAttribute[] }[] =>
    posts
      .filter((p) => p.path === '/v1/traces')
      .flatMap((p) => (p.body as { resourceSpans?: { scopeSpans?: { spans?: { name: string; attributes?: OtlpAttribute[] }[] }[] }[] }).resourceSpans ?? [])
      .flatMap((r) => r.scopeSpans ?? [])
      .flatMap((s) => s.spans ?? []);
  type Point = { attributes?: OtlpAttribute[] };
  type Metric = { name: string; sum?: { dataPoints?: Point[] }; histogram?: { dataPoints?: Point[] }; gauge?: { dataPoints?: Point[] } };
  const metrics = (): Metric[] =>
    posts
      .filter((p) => p.path === '/v1/metrics')
      .flatMap((p) => (p.body as { resourceMetrics?: { scopeMetrics?: { metrics?: Metric[] }[] }[] }).resourceMetrics ?? [])
      .flatMap((r) => r.scopeMetrics ?? [])
      .flatMap((s) => s.metrics ?? []);

  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    spanNames: () => spans().map((s) => s.name),
    metricNames: () => metrics().map((m) => m.name),
    attributes: () =>
      [
        ...spans().flatMap((s) => s.attributes ?? []),
        ...metrics().flatMap((m) =>
          [...(m.sum?.dataPoints ?? []), ...(m.histogram?.dataPoints ?? []), ...(m.gauge?.dataPoints ?? [])].flatMap((d) => d.attributes ?? []),
        ),
      ].map((a) => [a.key, valueOf(a.value)]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An Application Insights envelope as the Azure Monitor exporter posts it (only what tests read). */
export interface AppInsightsEnvelope {
  readonly name: string;
  readonly data?: {
    readonly baseType?: string;
    readonly baseData?: { readonly name?: string; readonly metrics?: { readonly name: string }[]; readonly properties?: Record<string, unknown> };
  };
}

export interface AppInsightsIngestion {
  /** For APPLICATIONINSIGHTS_CONNECTION_STRING. */
  readonly connectionString: string;
  /** The endpoint's self-signed certificate, for the bot's NODE_EXTRA_CA_CERTS (the exporter speaks https only). */
  readonly caFile: string;
  readonly envelopes: readonly AppInsightsEnvelope[];
  /** Every body received, decompressed. */
  readonly raw: readonly string[];
  close(): Promise<void>;
}

/**
 * Application Insights' ingestion endpoint emulated on loopback (https, self-signed): accepts the exporter's gzipped
 * JSON posts to …/v2.1/track and answers as the service does, so the bot's Azure Monitor path runs for real.
 */
export async function startAppInsightsIngestion(): Promise<AppInsightsIngestion> {
  const tls = selfSignedCertificate();
  const envelopes: AppInsightsEnvelope[] = [];
  const raw: string[] = [];
  const server = createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      let text: string;
      try {
        const body = Buffer.concat(chunks);
        text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
      } catch {
        res.statusCode = 400;
        res.end();
        return;
      }
      if (req.method !== 'POST' || !(req.url ?? '').endsWith('/track') || size > MAX_BODY) {
        res.statusCode = 404;
        res.end();
        return;
      }
      raw.push(text);
      let received: AppInsightsEnvelope[];
      try {
        const parsed = JSON.parse(text) as unknown;
        received = Array.isArray(parsed) ? (parsed as AppInsightsEnvelope[]) : [parsed as AppInsightsEnvelope];
      } catch {
        received = text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as AppInsightsEnvelope);
      }
      envelopes.push(...received);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ itemsReceived: received.length, itemsAccepted: received.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: `InstrumentationKey=11111111-1111-4111-8111-111111111111;IngestionEndpoint=https://127.0.0.1:${port}/;LiveEndpoint=https://127.0.0.1:${port}/`,
    caFile: tls.cert,
    envelopes,
    raw,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
