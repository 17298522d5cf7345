/**
 * The fastest Bot Connector that still answers like Teams: 201 with an id for every activity sent, 200 for an
 * update, a member for a member look-up, a 1:1 chat for a create. No rate limits, no records beyond counters,
 * so the bot under test, not the connector, is what the throughput bench measures. Used identically by the echo
 * bot and by our bot. Runs as its own process (PORT from the environment); GET /stats gives the counters.
 *
 * With SINK_RECORD=1 it also keeps every activity sent or updated, and GET /recorded hands them over (and forgets
 * them): how the bench learns which cards our bot replies with, for the card echo to reply with the same
 * (bench/replies.ts). That sink is a second process, used only before the measurement.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const counts = { sent: 0, updated: 0, members: 0, created: 0, other: 0, bytesIn: 0 };
const recording = process.env.SINK_RECORD === '1';
/** Activities sent (POST) or updated (PUT), in order, when recording. */
const recorded: { update: boolean; activity: unknown }[] = [];
let nextId = Date.now();

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse, bytes: number, body: string | undefined): void {
  counts.bytesIn += bytes;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method === 'GET' && path === '/readyz') return json(res, 200, { status: 'ready' });
  if (req.method === 'GET' && path === '/stats') return json(res, 200, counts);
  if (req.method === 'GET' && path === '/recorded') return json(res, 200, recorded.splice(0));
  const parts = path.split('/').filter((p) => p !== '');
  // /teams/v3/conversations[/{id}[/activities[/{activityId}] | /members/{memberId}]]
  if (parts[0] !== 'teams' || parts[1] !== 'v3' || parts[2] !== 'conversations') {
    counts.other++;
    return json(res, 404, { error: { code: 'NotFound', message: 'No such API.' } });
  }
  const resource = parts[4];
  if (parts.length === 3 && req.method === 'POST') {
    counts.created++;
    return json(res, 201, { id: `a:bench-${++nextId}` });
  }
  if (resource === 'activities' && body !== undefined && (req.method === 'POST' || req.method === 'PUT')) {
    recorded.push({ update: req.method === 'PUT', activity: JSON.parse(body) as unknown });
  }
  if (resource === 'activities' && req.method === 'POST') {
    counts.sent++;
    return json(res, 201, { id: String(++nextId) });
  }
  if (resource === 'activities' && req.method === 'PUT') {
    counts.updated++;
    return json(res, 200, { id: parts[5] ?? '' });
  }
  if (resource === 'members' && req.method === 'GET') {
    counts.members++;
    const id = decodeURIComponent(parts[5] ?? '29:unknown');
    return json(res, 200, {
      id,
      name: 'Bench User',
      aadObjectId: '00000000-0000-4000-8000-000000000000',
      userPrincipalName: 'bench.user@nhs.net',
      tenantId: '',
    });
  }
  counts.other++;
  return json(res, 404, { error: { code: 'NotFound', message: 'No such API.' } });
}

const server = createServer((req, res) => {
  let bytes = 0;
  const chunks: Buffer[] | undefined = recording ? [] : undefined;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    chunks?.push(chunk);
  });
  req.on('end', () => handle(req, res, bytes, chunks && Buffer.concat(chunks).toString('utf8')));
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
