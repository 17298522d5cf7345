/**
 * Azurite's blob and queue services, started from node_modules by the tests themselves (no Docker): a free loopback
 * port, in-memory persistence (a temporary folder as its working directory), and the well-known development account. No test
 * framework imports, so benchmarks can reuse it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's fixed development account and key, published by Microsoft for the emulator: not a secret. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** Connection string for @azure/storage-blob, @azure/storage-queue and AZURE_STORAGE_CONNECTION_STRING. */
  readonly connectionString: string;
  readonly port: number;
  /** The queue service's port (the delivery queue with STORAGE=blob). */
  readonly queuePort: number;
  /** The blob service's process id (benchmarks read its CPU time from /proc). */
  readonly blobPid: number;
  /** A container name no other caller of this Azurite has had (the store creates it on first use). */
  newContainer(): string;
  /** Azurite's own output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once anything answers HTTP on the port (Azurite answers an unsigned request with an error, which is enough). */
function answers(port: number, https: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const options = { host: '127.0.0.1', port, path: `/${AZURITE_ACCOUNT}?comp=list`, method: 'GET', timeout: 1000 };
    // Only "is it up": the certificate is the test's own, checked by the clients that matter.
    const req = https ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse) : request(options, onResponse);
    function onResponse(res: import('node:http').IncomingMessage): void {
      res.resume();
      resolve(true);
    }
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

let containerCounter = 0;

/** Options for Azurite: HTTPS with the given certificate, and Microsoft Entra (OAuth) bearer tokens accepted. */
export interface AzuriteOptions {
  /**
   * PEM files. Azurite then serves HTTPS and accepts bearer tokens ("--oauth basic": issuer, audience and lifetime
   * are checked, the signature is not), as the real service does for managed identities.
   */
  readonly https?: { readonly cert: string; readonly key: string };
  /**
   * V8's old-space limit for each Azurite process, in MB (node's own default is about 4 GB). In memory, Azurite holds a
   * few KB of heap per blob: the scale bench's 400,000 blobs peak near 3 GB.
   */
  readonly heapMb?: number;
}

/** One Azurite service (blob or queue) as a child process on a free port. */
async function startService(
  service: 'blob' | 'queue',
  startTimeoutMs: number,
  options: AzuriteOptions,
): Promise<{ port: number; pid: number; output: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const location = mkdtempSync(join(tmpdir(), `azurite-${service}-`));
  const main = join(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', service, 'main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : []),
      main,
      `--${service}Host`,
      '127.0.0.1',
      `--${service}Port`,
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
      '--disableTelemetry',
      ...(options.https ? ['--cert', options.https.cert, '--key', options.https.key, '--oauth', 'basic'] : []),
    ],
    // In memory (Azurite refuses --location with it); the temporary folder is only its working directory.
    { cwd: location, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Azurite ${service} exited (${String(child.exitCode ?? child.signalCode)}) before answering: ${output}`);
    }
    if (await answers(port, options.https !== undefined)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Azurite ${service} did not answer on port ${port}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: child.pid ?? 0,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(forced);
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}

/** Starts azurite-blob and azurite-queue and resolves once both answer; rejects with their output if one exits or stays silent. */
export async function startAzurite(
  startTimeoutMs = 30_000,
  options: AzuriteOptions = {},
): Promise<Azurite & { readonly blobUrl: string; readonly queueUrl: string }> {
  const [blob, queue] = await Promise.all([startService('blob', startTimeoutMs, options), startService('queue', startTimeoutMs, options)]);
  const scheme = options.https ? 'https' : 'http';
  return {
    port: blob.port,
    queuePort: queue.port,
    blobPid: blob.pid,
    blobUrl: `${scheme}://127.0.0.1:${blob.port}/${AZURITE_ACCOUNT}`,
    queueUrl: `${scheme}://127.0.0.1:${queue.port}/${AZURITE_ACCOUNT}`,
    connectionString:
      `DefaultEndpointsProtocol=${scheme};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${scheme}://127.0.0.1:${blob.port}/${AZURITE_ACCOUNT};QueueEndpoint=${scheme}://127.0.0.1:${queue.port}/${AZURITE_ACCOUNT};`,
    newContainer: () => `test-${process.pid}-${++containerCounter}-${Math.random().toString(36).slice(2, 8)}`,
    output: () => `${blob.output()}${queue.output()}`,
    stop: async () => {
      await Promise.all([blob.stop(), queue.stop()]);
    },
  };
}

/** What a proxy does with one request: pass it on, pass it on but lose the answer, cut it, or answer an error itself. */
export type ProxyVerdict = 'forward' | 'loseAnswer' | 'refuse' | { readonly status: number; readonly errorCode: string };

export interface AzuriteProxy {
  readonly port: number;
  /** A connection string through the proxy. */
  readonly connectionString: string;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of Azurite that asks `decide` about each request (method and decoded path): to
 * simulate a response lost after the write landed, an unreachable account, or a service error.
 */
export async function startAzuriteProxy(azurite: Azurite, decide: (method: string, path: string) => ProxyVerdict): Promise<AzuriteProxy> {
  const server = createHttpServer((req, res) => {
    const verdict = decide(req.method ?? 'GET', decodeURIComponent(req.url ?? ''));
    if (verdict === 'refuse') {
      req.socket.destroy();
      return;
    }
    if (typeof verdict === 'object') {
      req.resume();
      const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${verdict.errorCode}</Code><Message>simulated</Message></Error>`;
      res.writeHead(verdict.status, { 'content-type': 'application/xml', 'x-ms-error-code': verdict.errorCode, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: azurite.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if (verdict === 'loseAnswer') {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};QueueEndpoint=http://127.0.0.1:${azurite.queuePort}/${AZURITE_ACCOUNT};`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
