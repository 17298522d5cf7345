/**
 * What an attacker on the internet can do to /api/messages before authentication, against the real process in its
 * production configuration: floods of unsigned tokens, forged tokens of every shape, emulator-path tokens, and
 * bodies that are not JSON. None may cost memory that stays, a file on disk, a 5xx, a library message, or a turn.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { personalInstall, personalMessage, postActivity, sceneFrom, type TeamsScene } from '../helpers/activities';
import { newStarter, tempDataDir } from '../helpers/botHarness';
import { exited, spawnBot, whenListening } from '../helpers/botProcess';
import { channelAuthEnv } from '../helpers/channelAuthEnv';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';
import type { JsonObject } from '../helpers/loopback';
import { startTeamsEmulator, type TeamsEmulator } from '../helpers/teamsEmulator';

jest.setTimeout(120_000);

const APP_ID = '00000000-0000-0000-0000-00000000b07a';
const FIXED_401 = { code: 'Unauthorized', message: 'The request is not authorized.' };

let identity: IdentityEmulator;
let teams: TeamsEmulator;
let scene: TeamsScene;
let child: ChildProcess;
let baseUrl: string;
let tmp: string;
let out = '';
let err = '';

beforeAll(async () => {
  identity = await startIdentityEmulator();
  teams = await startTeamsEmulator({ appId: APP_ID, requireAuth: true, acceptToken: () => false });
  scene = sceneFrom(teams);
  tmp = mkdtempSync(join(tmpdir(), 'hostile-tmp-'));
  child = spawnBot({
    ...channelAuthEnv(identity, APP_ID, teams.tenantId),
    PORT: '0',
    HOST: '127.0.0.1',
    // As deployed (docs/deploy.md): a bounded young generation, so RSS follows what is kept, not GC headroom.
    NODE_OPTIONS: '--max-semi-space-size=8',
    LOG_LEVEL: 'debug',
    DATA_DIR: tempDataDir(),
    TMPDIR: tmp,
    USER_MESSAGES_PER_MINUTE: '1000',
    ValidateAuthority: 'false',
  });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const port = await whenListening(child);
  baseUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  child.kill('SIGTERM');
  await exited(child);
  await teams.close();
  await identity.close();
  rmSync(tmp, { recursive: true, force: true });
});

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A token with any header and claims and a junk signature: nobody needs a key to make one. */
function forged(header: JsonObject, claims: JsonObject): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.${b64url(randomBytes(64))}`;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** Posts one activity with an Authorization header; resolves status and body text. */
async function postWith(authorization: string | undefined, activity: JsonObject): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers['authorization'] = authorization;
  const res = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers, body: JSON.stringify(activity) });
  return { status: res.status, text: await res.text() };
}

/** Runs `count` requests, `parallel` at a time. */
async function inParallel<T>(count: number, parallel: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await one(i);
      }
    }),
  );
  return results;
}

/** Turns the bot ran: each ends in a "turn" line, or a "turn.error" one (its reply here cannot get an outbound token). */
function turnsLogged(): number {
  return out.split('\n').filter((l) => /"event":"turn(\.error)?"/.test(l)).length;
}

/**
 * Turns run since `before`, counted once a genuine request's own turn line is out. The bot answers an activity after
 * its turn has run, and logs in order: a refused request that had run a turn would have logged it before this one.
 * (The line reaches the bot's stdout a moment after Teams has its answer, so the count waits for this line itself.)
 */
async function turnsSince(before: number): Promise<number> {
  const control = newStarter(teams);
  const activity = personalMessage(scene, control.who, control.conversationId, 'help');
  activity['id'] = `control-${randomUUID()}`;
  const res = await postActivity(`${baseUrl}/api/messages`, activity, { token: identity.channelToken(APP_ID, scene.serviceUrl) });
  expect(res.status).toBe(200);
  const logged = (): boolean => out.includes(`"activityId":"${activity['id'] as string}"`);
  for (let i = 0; i < 100 && !logged(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(logged()).toBe(true);
  return turnsLogged() - before - 1;
}

describe('before authentication, an attacker costs the bot nothing that stays', () => {
  it('serves a genuine channel token (the control)', async () => {
    const { who, conversationId } = newStarter(teams);
    const before = turnsLogged();
    const res = await postActivity(`${baseUrl}/api/messages`, personalMessage(scene, who, conversationId, 'help'), {
      token: identity.channelToken(APP_ID, scene.serviceUrl),
    });
    expect(res.status).toBe(200);
    // The line is written when the turn ends, which may be a moment after Teams has its answer.
    for (let i = 0; i < 100 && turnsLogged() === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(turnsLogged()).toBe(before + 1);
  });

  it('does not grow with a flood of 3,000 unsigned tokens, each naming a new tenant', async () => {
    const { who, conversationId } = newStarter(teams);
    const activity = personalMessage(scene, who, conversationId, 'help');
    const flood = (n: number): Promise<number[]> =>
      inParallel(n, 16, async () => {
        const tid = randomUUID();
        const token = forged(
          { alg: 'RS256', kid: 'emu-good-key' },
          { iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, aud: APP_ID, exp: now() + 3600 },
        );
        return (await postWith(`Bearer ${token}`, activity)).status;
      });
    // A first flood of the same size warms up JIT, sockets and the heap's own headroom; what a second one adds is
    // what stays. (Before the fix, each 3,000 such tokens kept about 37 MB: botbuilder's issuer list.)
    await flood(3000);
    const before = rssBytes(child.pid as number);
    const statuses = await flood(3000);
    const after = rssBytes(child.pid as number);
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(after - before).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses 1,000 forged tokens of every shape with one fixed 401, no 5xx, and few log lines', async () => {
    const { who, conversationId } = newStarter(teams);
    const activity = personalMessage(scene, who, conversationId, 'help');
    const ownTenant = teams.tenantId;
    const shapes: (() => string)[] = [
      // Random kid, otherwise a perfect channel token's claims.
      () => forged({ alg: 'RS256', kid: randomUUID() }, { iss: identity.issuer, aud: APP_ID, serviceurl: scene.serviceUrl, exp: now() + 3600 }),
      // A published kid with a junk signature.
      () => forged({ alg: 'RS256', kid: 'emu-good-key' }, { iss: identity.issuer, aud: APP_ID, serviceurl: scene.serviceUrl, exp: now() + 3600 }),
      // Entra v1 and v2 issuers of random tenants, signed by a key the bot trusts.
      () => identity.signToken({ iss: `https://sts.windows.net/${randomUUID()}/`, aud: APP_ID, serviceurl: scene.serviceUrl }),
      () => identity.signToken({ iss: `https://login.microsoftonline.com/${randomUUID()}/v2.0`, aud: APP_ID, serviceurl: scene.serviceUrl }),
      // HS256 with the app id as the secret; alg none; expired; random bytes.
      () => forged({ alg: 'HS256', typ: 'JWT' }, { iss: identity.issuer, aud: APP_ID, serviceurl: scene.serviceUrl, exp: now() + 3600 }),
      () => identity.channelToken(APP_ID, scene.serviceUrl, { alg: 'none' }),
      () => identity.channelToken(APP_ID, scene.serviceUrl, { expiresIn: -3600 }),
      () => b64url(randomBytes(200)),
      () => `${b64url(randomBytes(30))}.${b64url(randomBytes(90))}.${b64url(randomBytes(60))}`,
      // Emulator-shaped: appid/azp = aud = the bot, no serviceurl, v1 and v2, own tenant and a foreign one.
      () => identity.signToken({ iss: `https://sts.windows.net/${ownTenant}/`, tid: ownTenant, aud: APP_ID, appid: APP_ID, ver: '1.0' }),
      () => identity.signToken({ iss: `https://login.microsoftonline.com/${ownTenant}/v2.0`, tid: ownTenant, aud: APP_ID, azp: APP_ID, ver: '2.0' }),
      () => {
        const tid = randomUUID();
        return identity.signToken({ iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, aud: APP_ID, azp: APP_ID, ver: '2.0' });
      },
      // The channel issuer with a fresh tid (what would grow botbuilder's issuer list), validly signed.
      () => identity.signToken({ aud: APP_ID, serviceurl: scene.serviceUrl, tid: randomUUID() }),
    ];
    const turnsBefore = turnsLogged();
    const linesBefore = out.split('\n').length + err.split('\n').length;
    const results = await inParallel(1000, 16, (i) => postWith(`Bearer ${(shapes[i % shapes.length] as () => string)()}`, activity));
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(results.filter((r) => r.status !== 401)).toEqual([]);
    for (const r of results) expect(JSON.parse(r.text)).toEqual(FIXED_401);
    expect(await turnsSince(turnsBefore)).toBe(0);
    expect(teams.sentTo(conversationId)).toHaveLength(0);
    // One structured line per refusal at most, and those rate-limited: no stack, no key, no library text.
    const linesAfter = out.split('\n').length + err.split('\n').length;
    expect(linesAfter - linesBefore).toBeLessThan(60);
    expect(err).not.toMatch(/BEGIN RSA|at .*\.(js|ts):\d+|Error finding key/);
    const refused = out.split('\n').filter((l) => l.includes('"event":"auth.refused"'));
    expect(refused.length).toBeGreaterThan(0);
    for (const line of refused) expect(line).not.toMatch(/eyJ/);
  });

  it('refuses emulator-shaped tokens, v1 and v2, from its own tenant and a foreign one, and runs no turn', async () => {
    const { who, conversationId } = newStarter(teams);
    const tenants = [teams.tenantId, randomUUID()];
    const turnsBefore = turnsLogged();
    for (const tid of tenants) {
      for (const claims of [
        { iss: `https://sts.windows.net/${tid}/`, tid, aud: APP_ID, appid: APP_ID, ver: '1.0' },
        { iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, aud: APP_ID, azp: APP_ID, ver: '2.0' },
      ] as JsonObject[]) {
        const res = await postWith(`Bearer ${identity.signToken(claims)}`, personalInstall(scene, who, conversationId));
        expect({ iss: claims['iss'], status: res.status }).toEqual({ iss: claims['iss'], status: 401 });
      }
    }
    expect(await turnsSince(turnsBefore)).toBe(0);
    expect(teams.sentTo(conversationId)).toHaveLength(0); // an install turn would have sent the welcome
  });

  it('answers multipart and other non-JSON bodies on every POST route with 415, and writes no file', async () => {
    const routes = ['/api/messages', '/api/admin/welcome', '/api/me/acknowledgements'];
    const big = randomBytes(2 * 1024 * 1024);
    for (const route of routes) {
      const form = new FormData();
      form.append('file', new Blob([big]), 'upload.bin');
      const multipart = await fetch(`${baseUrl}${route}`, { method: 'POST', body: form });
      expect({ route, status: multipart.status }).toEqual({ route, status: 415 });
      for (const [type, body] of [
        ['application/x-www-form-urlencoded', 'type=message'],
        ['text/plain', '{"type":"message"}'],
        ['application/octet-stream', big],
      ] as const) {
        const res = await fetch(`${baseUrl}${route}`, { method: 'POST', headers: { 'content-type': type }, body });
        expect({ route, type, status: res.status }).toEqual({ route, type, status: 415 });
      }
      const gzip = await fetch(`${baseUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: big,
      });
      expect({ route, status: gzip.status }).toEqual({ route, status: 415 });
      const tooLarge = await fetch(`${baseUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect({ route, status: tooLarge.status }).toEqual({ route, status: 413 });
    }
    // tsx-* is the compile cache of the TypeScript loader the tests run the source with; uploads would land beside it.
    expect(readdirSync(tmp).filter((f) => !f.startsWith('tsx-'))).toEqual([]);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  });
});
