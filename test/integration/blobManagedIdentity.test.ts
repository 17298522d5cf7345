/**
 * Azure Blob Storage reached with a managed identity instead of a connection string: the real bot process,
 * Azurite over HTTPS accepting Microsoft Entra bearer tokens, and App Service's managed identity endpoint
 * (IDENTITY_ENDPOINT / IDENTITY_HEADER) emulated on loopback. No account key anywhere in the bot's settings.
 */
import type { ChildProcess } from 'node:child_process';
import { adaptiveCardAction, personalInstall, personalMessage, postActivity, type TeamsScene } from '../helpers/activities';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { newStarter, startTeams } from '../helpers/botHarness';
import { exited, startBotProcess } from '../helpers/botProcess';
import { cardOf, cardText } from '../helpers/cardText';
import { selfSignedCertificate, startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from '../helpers/managedIdentity';
import type { TeamsEmulator } from '../helpers/teamsEmulator';

const CLIENT_ID = '5c4b3a29-1807-4f6e-9d5c-4b3a29180716';
let tls: { cert: string; key: string };
let azurite: Azurite & { blobUrl: string; queueUrl: string };
let identity: ManagedIdentityEndpoint;
let teams: TeamsEmulator;
let scene: TeamsScene;
const running: ChildProcess[] = [];

beforeAll(async () => {
  tls = selfSignedCertificate();
  azurite = await startAzurite(30_000, { https: tls });
  ({ teams, scene } = await startTeams());
  identity = await startManagedIdentityEndpoint(teams.tenantId);
});
afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await identity?.close();
  await teams?.close();
  await azurite?.stop();
});

function settings(container: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    STORAGE: 'blob',
    AZURE_STORAGE_ACCOUNT_URL: azurite.blobUrl,
    // The delivery queue beside it (path-style emulator URLs cannot be derived from the blob one); /readyz checks it.
    AZURE_STORAGE_QUEUE_URL: azurite.queueUrl,
    AZURE_STORAGE_CONTAINER: container,
    AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID: CLIENT_ID,
    // What App Service gives a process with a managed identity.
    IDENTITY_ENDPOINT: identity.url,
    IDENTITY_HEADER: identity.secret,
    // Trust the emulated account's certificate, as the real one is trusted through the public CAs.
    NODE_EXTRA_CA_CERTS: tls.cert,
    ...overrides,
  };
}

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; base: string }> {
  const bot = await startBotProcess(env);
  running.push(bot.child);
  return { ...bot, base: bot.url.replace(/\/api\/messages$/, '') };
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await exited(child);
}

describe('Azure Blob Storage with a managed identity', () => {
  it('signs in as the configured identity, keeps acknowledgements across a restart, and asks for storage tokens only', async () => {
    const env = settings(azurite.newContainer());
    const first = await start(env);
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
    const s = newStarter(teams);
    expect((await postActivity(first.url, personalInstall(scene, s.who, s.conversationId))).status).toBe(200);
    const ticked = await postActivity(
      first.url,
      adaptiveCardAction(scene, s.who, s.conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'find-la', view: 'step' } }),
    );
    expect(ticked.status).toBe(200);
    await stop(first.child);

    const second = await start(env);
    expect((await postActivity(second.url, personalMessage(scene, s.who, s.conversationId, 'progress'))).status).toBe(200);
    expect(cardText(cardOf(teams.sentTo(s.conversationId).at(-1)!))).toContain('1 of 18 actions done');
    await stop(second.child);

    expect(identity.requests.length).toBeGreaterThanOrEqual(2); // one token per process, reused for its requests
    expect(identity.requests.every((r) => r.status === 200 && r.resource === 'https://storage.azure.com' && r.clientId === CLIENT_ID)).toBe(true);
  });

  it('is not ready, and says why, when the identity cannot get a token; the process stays up', async () => {
    const bot = await start(settings(azurite.newContainer(), { IDENTITY_HEADER: 'not-the-secret' }));
    const ready = await fetch(`${bot.base}/readyz`);
    expect(ready.status).toBe(503);
    // Each dependency, and only what kind of failure: the identity's error text stays out of the body.
    expect(await ready.json()).toMatchObject({
      status: 'unready',
      dependencies: { storage: { state: 'down', reason: 'unreachable' }, queue: { state: 'down' } },
    });
    expect(identity.requests.some((r) => r.status === 400)).toBe(true); // the identity endpoint refused the token
    expect((await fetch(`${bot.base}/healthz`)).status).toBe(200);
    expect(bot.child.exitCode).toBeNull();
    await stop(bot.child);
  });
});
