import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import {
  actionSubmit,
  adaptiveCardAction,
  channelMention,
  personalBotAdded,
  personalInstall,
  personalMessage,
  type ActivityUser,
  type TeamsScene,
} from '../helpers/activities';
import { startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import type { Json, JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';

const RUNS = 10_000;

/** A real garbage collection before each memory reading, so the figure is live memory, not garbage. */
v8.setFlagsFromString('--expose_gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
function liveHeapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
const STACK_TRACE = /\bat [\w.<>]+ \(|\.(?:js|ts):\d+:\d+/;

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let users: ActivityUser[];

beforeAll(async () => {
  // Unthrottled: this test is about bad input, not rate limits (those have their own tests).
  ({ teams, scene } = await startTeams({ conversationWindows: [{ limit: 1_000_000, windowMs: 1000 }], tenantPerSecond: 1_000_000 }));
  // A fixed pool of users keeps legitimate state bounded, so memory growth would be a leak.
  users = Array.from({ length: 12 }, (_, i) => {
    const u = teams.addUser({ aadObjectId: `fuzz-${i}-aad`, userId: `29:fuzz-${i}`, upn: `fuzz.${i}@nhs.net`, name: `Fuzz ${i}` });
    teams.installApp(u);
    return { userId: u.userId, name: u.name, aadObjectId: u.aadObjectId };
  });
  bot = await startBot({ GRAPH_ENABLED: 'false', LOG_LEVEL: 'silent', USER_MESSAGES_PER_MINUTE: '1000' }, { storage: new AtomicMemoryStorage() });
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

const team = { id: '19:fuzz@thread.tacv2', name: 'Fuzz', aadGroupId: 'fuzz-group' };

/** Activities Teams really sends, as starting points for mutation. */
const base = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 6 }), fc.string({ maxLength: 40 })).map(([u, kind, text]) => {
  const who = users[u] as ActivityUser;
  const conversationId = teams.personalConversationId(who.aadObjectId);
  switch (kind) {
    case 0:
      return personalInstall(scene, who, conversationId);
    case 1:
      return personalBotAdded(scene, who, conversationId, { withUser: true });
    case 2:
      return personalMessage(scene, who, conversationId, text);
    case 3:
      return channelMention(scene, who, team, text);
    case 4:
      return actionSubmit(scene, who, conversationId, { verb: text, actionId: text });
    case 5:
      return adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { verb: 'ack', actionId: text } });
    default:
      return adaptiveCardAction(scene, who, conversationId, { verb: text, data: { verb: text } });
  }
});

const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 50 }),
  fc.constantFrom('\u0000', '\u202e<at>bot</at>', '<at></at>', '\ud800', '💥'.repeat(500), 'welcome @', 'forget me', 'x'.repeat(20_000)),
);

const deep = fc.integer({ min: 10, max: 2000 }).map((depth) => {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { v: value };
  return value;
});

const anyValue: fc.Arbitrary<Json> = fc.oneof(fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>, oddString, deep);

// serviceUrl is never set to generated values: the bot would call them. Its own mutation below only names
// foreign hosts, which the bot must refuse without calling.
const FIELDS = [
  'type',
  'name',
  'text',
  'value',
  'from',
  'conversation',
  'recipient',
  'channelData',
  'channelId',
  'membersAdded',
  'action',
  'entities',
  'attachments',
  'id',
  'replyToId',
];

const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({ op: fc.constant('set' as const), field: fc.constantFrom(...FIELDS), value: anyValue }),
  fc.record({
    op: fc.constant('invoke' as const),
    name: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('task/fetch', 'composeExtension/query', 'signin/verifyState', 'adaptiveCard/action', 'config/fetch'),
    ),
  }),
  fc.record({ op: fc.constant('foreignCard' as const), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> }),
  fc.record({
    op: fc.constant('set' as const),
    field: fc.constant('serviceUrl'),
    value: fc.constantFrom('https://attacker.invalid/', 'http://169.254.169.254/latest/', 'file:///etc/passwd', 'not a url', 42, null),
  }),
);

function mutate(activity: JsonObject, mutations: { op: string; field?: string; value?: Json; name?: string }[]): JsonObject {
  const a: JsonObject = { ...activity };
  for (const m of mutations) {
    if (m.op === 'delete' && m.field) delete a[m.field];
    if (m.op === 'set' && m.field) a[m.field] = m.value ?? null;
    if (m.op === 'invoke') {
      a.type = 'invoke';
      a.name = m.name ?? '';
    }
    if (m.op === 'foreignCard') a.value = m.value ?? null;
  }
  return a;
}

async function send(activity: JsonObject): Promise<{ status: number; text: string }> {
  let body: string;
  try {
    body = JSON.stringify(activity);
  } catch {
    body = '{"type":"message"';
  }
  const res = await fetch(bot.messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

describe('bad input at volume', () => {
  it(`survives ${RUNS} generated and mutated activities: no crash, no 500, no stack trace, no memory growth`, async () => {
    const statuses = new Map<number, number>();
    let heapAfterWarmUp = 0;
    let count = 0;
    await fc.assert(
      fc.asyncProperty(base, fc.array(mutation, { maxLength: 3 }), async (activity, mutations) => {
        const res = await send(mutate(activity, mutations));
        count++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // The emulator keeps every request it saw; forget them so only the bot's memory is measured.
        if (count % 500 === 0) teams.reset();
        if (count === 2000) heapAfterWarmUp = liveHeapMb();
        expect([200, 400, 413, 501]).toContain(res.status);
        expect(res.text).not.toMatch(STACK_TRACE);
      }),
      { numRuns: RUNS, seed: 20261124 },
    );
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
    teams.reset();
    const growthMb = liveHeapMb() - heapAfterWarmUp;
    expect(growthMb).toBeLessThan(16);
    // Both sides of the boundary were exercised: valid turns and refused input.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(1000);
    expect((statuses.get(400) ?? 0) + (statuses.get(501) ?? 0)).toBeGreaterThan(100);
  }, 300_000);
});
