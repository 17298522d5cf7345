import { randomUUID } from 'node:crypto';
import { precheckChannelToken, RefusalLogLimiter, type ChannelTokenRules } from '../../src/server/channelToken';
import { personalMessage, sceneFrom } from '../helpers/activities';
import { newStarter, startBot } from '../helpers/botHarness';
import { channelAuthEnv } from '../helpers/channelAuthEnv';
import { startIdentityEmulator } from '../helpers/identityEmulator';
import { startTeamsEmulator } from '../helpers/teamsEmulator';

const APP_ID = '00000000-0000-0000-0000-00000000b07a';
const ISSUER = 'https://api.botframework.com';
const SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
const NOW = 1_800_000_000;
const rules: ChannelTokenRules = { appId: APP_ID, issuer: ISSUER, tenantIds: new Set(['d6d49420-f39b-4df7-a1dc-d59a935871db']), clockToleranceSeconds: 300 };

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
function bearer(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', kid: 'k1' }): string {
  return `Bearer ${b64(header)}.${b64({ iss: ISSUER, aud: APP_ID, serviceurl: SERVICE_URL, exp: NOW + 3600, nbf: NOW - 10, ...claims })}.c2ln`;
}

describe('the first look at a channel token', () => {
  it('lets a token shaped like a channel token through to full validation', () => {
    expect(precheckChannelToken(bearer({}), SERVICE_URL, rules, NOW)).toBeUndefined();
  });

  it.each([
    ['no header', undefined, 'missing'],
    ['another scheme', 'Basic abc', 'malformed'],
    ['lower-case bearer', bearer({}).replace('Bearer', 'bearer'), 'malformed'],
    ['two segments', 'Bearer abc.def', 'malformed'],
    ['a huge header', `Bearer ${'a'.repeat(9000)}`, 'tooLarge'],
    ['alg none', bearer({}, { alg: 'none', kid: 'k1' }), 'algorithm'],
    ['HS256', bearer({}, { alg: 'HS256', kid: 'k1' }), 'algorithm'],
    ['no kid', bearer({}, { alg: 'RS256' }), 'malformed'],
    ['an Entra issuer', bearer({ iss: `https://login.microsoftonline.com/${randomUUID()}/v2.0` }), 'issuer'],
    ['another audience', bearer({ aud: randomUUID() }), 'audience'],
    ['a skill token', bearer({ ver: '2.0', azp: randomUUID() }), 'skillShape'],
    ['a tenant not allowed', bearer({ tid: randomUUID() }), 'tenant'],
    ['no exp', bearer({ exp: undefined }), 'malformed'],
    ['expired', bearer({ exp: NOW - 301 }), 'expired'],
    ['not yet valid', bearer({ nbf: NOW + 301 }), 'notYetValid'],
    ['another service URL', bearer({ serviceurl: 'https://evil.example/' }), 'serviceUrl'],
  ])('refuses %s', (_name, header, reason) => {
    expect(precheckChannelToken(header, SERVICE_URL, rules, NOW)).toBe(reason);
  });

  it('writes at most N refusal lines a minute and counts the rest in the next line', () => {
    let t = 0;
    const limiter = new RefusalLogLimiter(3, () => t);
    expect([limiter.admit(), limiter.admit(), limiter.admit(), limiter.admit(), limiter.admit()]).toEqual([0, 0, 0, undefined, undefined]);
    t = 60_000;
    expect(limiter.admit()).toBe(2);
  });
});

describe("botbuilder's issuer list", () => {
  it('does not grow with tokens naming new tenants, so later requests cost no more', async () => {
    // botframework-connector keeps this module-global list and scans it on every request (isTokenFromEmulator).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const params = require('botframework-connector/lib/auth/tokenValidationParameters') as {
      ToBotFromBotOrEmulatorTokenValidationParameters: { issuer: string[] };
    };
    const identity = await startIdentityEmulator();
    const teams = await startTeamsEmulator({ appId: APP_ID, requireAuth: true, acceptToken: () => false });
    const scene = sceneFrom(teams);
    const bot = await startBot(channelAuthEnv(identity, APP_ID, teams.tenantId));
    try {
      const { who, conversationId } = newStarter(teams);
      const body = JSON.stringify(personalMessage(scene, who, conversationId, 'help'));
      const before = params.ToBotFromBotOrEmulatorTokenValidationParameters.issuer.length;
      for (let i = 0; i < 200; i++) {
        const tid = randomUUID();
        const token = identity.signToken({ iss: i % 2 ? identity.issuer : `https://sts.windows.net/${tid}/`, tid, aud: APP_ID, serviceurl: scene.serviceUrl });
        const res = await fetch(bot.messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
        expect(res.status).toBe(401);
      }
      expect(params.ToBotFromBotOrEmulatorTokenValidationParameters.issuer.length).toBe(before);
    } finally {
      await bot.close();
      await teams.close();
      await identity.close();
    }
  });
});
