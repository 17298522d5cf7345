/**
 * What one turn costs the store (issue 14: each turn loads its state once and saves it once). Every store call of a
 * turn is recorded through a wrapper around the bot's own store and named by the kind of item it touched.
 */
import { actionSubmit, adaptiveCardAction, personalInstall, personalMessage, postActivity, type ActivityUser, type TeamsScene } from '../helpers/activities';
import { newStarter, startBot, startTeams, type RunningBot } from '../helpers/botHarness';
import { cardText } from '../helpers/cardText';
import { startIdentityEmulator, type IdentityEmulator } from '../helpers/identityEmulator';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import type { AtomicStorage, StoreItems } from '../../src/state/storage';

/** The kind of item a key holds, from the one key builder's layout (src/state/keys.ts). */
function kindOf(key: string): string {
  if (/^directory\/[^/]+\/users\//.test(key)) return 'record';
  if (/^msteams\/conversations\/[^/]+\/users\//.test(key)) return 'progress';
  if (key.startsWith('feedback/votes/')) return 'votes';
  if (key.startsWith('index-')) return 'index';
  if (/^pushes\/[^/]+$/.test(key)) return 'push';
  if (/^pushes\/[^/]+\/recipients\//.test(key)) return 'recipient';
  if (/^la\/[^/]+\/[^/]+\/pushes$/.test(key)) return 'LA pushes';
  return key.split('/')[0] ?? key;
}

class RecordingStorage implements AtomicStorage {
  calls: string[] = [];
  /** The calls as they started and as their reads answered ("answered read progress"): which waited for which. */
  order: string[] = [];
  constructor(private readonly inner: AtomicStorage) {}
  read(keys: string[]): Promise<StoreItems> {
    const named = keys.map((k) => `read ${kindOf(k)}`);
    this.calls.push(...named);
    this.order.push(...named);
    return this.inner.read(keys).then((items) => {
      this.order.push(...named.map((n) => `answered ${n}`));
      return items;
    });
  }
  write(changes: StoreItems): Promise<void> {
    this.calls.push(...Object.keys(changes).map((k) => `write ${kindOf(k)}`));
    this.order.push(...Object.keys(changes).map((k) => `write ${kindOf(k)}`));
    return this.inner.write(changes);
  }
  delete(keys: string[]): Promise<void> {
    this.calls.push(...keys.map((k) => `delete ${kindOf(k)}`));
    return this.inner.delete(keys);
  }
  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    this.calls.push(`create ${kindOf(key)}`);
    return this.inner.createIfAbsent(key, item);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  list(prefix: string): AsyncIterable<string> {
    this.calls.push(`list ${kindOf(prefix)}`);
    return this.inner.list(prefix);
  }
  /** The calls made while `work` ran, counted by call and kind. */
  async during(work: () => Promise<unknown>): Promise<Record<string, number>> {
    this.calls = [];
    this.order = [];
    await work();
    const counts: Record<string, number> = {};
    for (const call of this.calls) counts[call] = (counts[call] ?? 0) + 1;
    return counts;
  }
}

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let store: RecordingStorage;
/** The bot's clock: the tests move it on a day. */
let now = Date.UTC(2026, 11, 7, 9);

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  store = new RecordingStorage(new AtomicMemoryStorage());
  bot = await startBot({}, { storage: store, now: () => new Date(now) });
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

/** A starter welcomed on install who has already written once this hour (so the prelude has nothing new to save). */
async function seenStarter(): Promise<{ who: ActivityUser; conversationId: string }> {
  const { who, conversationId } = newStarter(teams);
  await postActivity(bot.messagesUrl, personalInstall(scene, who, conversationId));
  await postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'help'));
  return { who, conversationId };
}

describe('store operations of one turn', () => {
  it('a question reads the record, the progress and the votes once each, and writes nothing', async () => {
    const { who, conversationId } = await seenStarter();
    const ops = await store.during(() => postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'how do I reset my password')));
    expect(teams.sentTo(conversationId).at(-1)).toBeDefined();
    expect(ops).toEqual({ 'read record': 1, 'read progress': 1, 'read votes': 1 });
  });

  it('"Mark as done" reads the record once (the prelude’s read serves the due-day index) and saves the progress once', async () => {
    const { who, conversationId } = await seenStarter();
    const ops = await store.during(() =>
      postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { actionId: 'mfa', view: 'step' } })),
    );
    expect(ops).toEqual({ 'read record': 1, 'read progress': 1, 'write progress': 1, 'read votes': 1 });
  });

  it('"Mark as done" reads the votes while the progress is saved, not after (one store round trip fewer)', async () => {
    const { who, conversationId } = await seenStarter();
    await store.during(() =>
      postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'ack', data: { actionId: 'mfa', view: 'step' } })),
    );
    expect(store.calls.indexOf('read votes')).toBeGreaterThanOrEqual(0);
    expect(store.calls.indexOf('read votes')).toBeLessThan(store.calls.indexOf('write progress'));
  });

  it('"continue" and a card’s refresh read the votes beside the progress, not once it has answered', async () => {
    const { who, conversationId } = await seenStarter();
    const readSideBySide = () => {
      expect(store.order).toContain('read votes');
      expect(store.order.indexOf('read votes')).toBeLessThan(store.order.indexOf('answered read progress'));
    };
    const ops = await store.during(() => postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'continue')));
    expect(cardText(teams.sentTo(conversationId).at(-1))).toMatch(/Step \d of \d/);
    readSideBySide();
    expect(ops).toEqual({ 'read record': 1, 'read progress': 1, 'read votes': 1 });
    let refreshed = '';
    await store.during(async () => {
      const res = await postActivity(
        bot.messagesUrl,
        adaptiveCardAction(scene, who, conversationId, { verb: 'refresh', data: { verb: 'refresh', view: 'step' } }, { trigger: 'automatic' }),
      );
      refreshed = cardText((res.body as { value: unknown }).value);
    });
    expect(refreshed).toMatch(/Step \d of \d/);
    readSideBySide();
  });

  it('"Next" and "Back" read the record once, and save the step the user moved to once', async () => {
    const { who, conversationId } = await seenStarter();
    const goTo = (stepId: string) =>
      postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: 'goto', data: { verb: 'goto', stepId } }));
    await goTo('complete-these'); // a step reached for the first time is counted in the funnel (a record write)
    expect(await store.during(() => goTo('introduction'))).toEqual({ 'read record': 1, 'read progress': 1, 'write progress': 1, 'read votes': 1 });
    const ops = await store.during(() => goTo('complete-these'));
    expect(ops).toEqual({ 'read record': 1, 'read progress': 1, 'write progress': 1, 'read votes': 1 });
  });

  it('a tick of a must-do action the completion funnel has counted reads the record no more often', async () => {
    const { who, conversationId } = await seenStarter();
    const tick = (verb: 'ack' | 'unack') =>
      postActivity(bot.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb, data: { actionId: 'account-secret', view: 'step' } }));
    await tick('ack'); // counted in the funnel
    await tick('unack');
    const ops = await store.during(() => tick('ack'));
    expect(ops).toEqual({ 'read record': 1, 'read progress': 1, 'write progress': 1, 'read votes': 1 });
  });

  it('the first turn of a new day also saves the record once, and moves the user’s retention entry to its new day', async () => {
    const { who, conversationId } = await seenStarter();
    now += 24 * 3600_000;
    const ops = await store.during(() => postActivity(bot.messagesUrl, personalMessage(scene, who, conversationId, 'how do I reset my password')));
    expect(ops).toEqual({ 'read record': 1, 'read progress': 2, 'write record': 1, 'create index': 1, 'delete index': 1, 'read votes': 1 });
  });

  it('the same tick from an older client (Action.Submit) costs the same', async () => {
    const { who, conversationId } = await seenStarter();
    const ops = await store.during(() =>
      postActivity(bot.messagesUrl, actionSubmit(scene, who, conversationId, { verb: 'ack', actionId: 'mfa', view: 'step' }, { replyToId: '1' })),
    );
    expect(ops).toEqual({ 'read record': 1, 'read progress': 1, 'write progress': 1, 'read votes': 1 });
  });
});

describe('store operations of an LA’s "status" and of the starters API', () => {
  const AUDIENCE = 'api://welcome.test/00000000-0000-0000-0000-00000000b07a';
  let identity: IdentityEmulator;
  let laBot: RunningBot;
  let la: ReturnType<typeof newStarter>;
  let starters: ReturnType<typeof newStarter>[] = [];

  beforeAll(async () => {
    identity = await startIdentityEmulator();
    la = newStarter(teams, 'Jane Smith');
    laBot = await startBot(
      {
        LA_OBJECT_IDS: la.user.aadObjectId,
        TEAMS_SERVICE_URL: teams.serviceUrl,
        GRAPH_ENABLED: 'false',
        ENTRA_TENANT_ID: teams.tenantId,
        API_AUDIENCES: AUDIENCE,
        ENTRA_ISSUERS: identity.entraIssuer(teams.tenantId),
        ENTRA_JWKS_URL: identity.jwksUri,
      },
      { storage: store, now: () => new Date(now) },
    );
    starters = [newStarter(teams, 'Sam Patel'), newStarter(teams, 'Kim Lee')];
    await postActivity(laBot.messagesUrl, personalMessage(scene, la.who, la.conversationId, `welcome ${starters.map((s) => s.user.upn).join(', ')}`));
    await laBot.app.deliveries.drain();
  });
  afterAll(async () => {
    await laBot.close();
    await identity.close();
  });

  it('"status" reads the list of the LA’s pushes and each push once (the card’s starters and its push filter share them)', async () => {
    const ops = await store.during(() => postActivity(laBot.messagesUrl, personalMessage(scene, la.who, la.conversationId, 'status')));
    expect(ops).toMatchObject({ 'read LA pushes': 1, 'read push': 1, 'read recipient': 2 });
  });

  it('the starters API reads each push and each of its starters once, for the starters and the "not reached" counts alike', async () => {
    const token = identity.entraToken({ tenantId: teams.tenantId, audience: AUDIENCE, oid: la.user.aadObjectId, upn: la.user.upn, name: la.user.name });
    let body: { starters: { status: string }[]; pushes: { count: number; notReached: number }[] } | undefined;
    const ops = await store.during(async () => {
      const res = await fetch(`${laBot.baseUrl}/api/admin/starters`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      body = (await res.json()) as typeof body;
    });
    // Neither starter has written to the bot yet, so the welcome reached neither: both count as not reached.
    expect(body?.starters.map((s) => s.status)).toEqual(['pendingFirstContact', 'pendingFirstContact']);
    expect(body?.pushes).toEqual([expect.objectContaining({ count: 2, notReached: 2 })]);
    expect(ops).toMatchObject({ 'read LA pushes': 1, 'read push': 1, 'read recipient': 2 });
  });

  it('"status" filtered to one push reads only that push’s starters (the other push’s are not read for the card)', async () => {
    const token = identity.entraToken({ tenantId: teams.tenantId, audience: AUDIENCE, oid: la.user.aadObjectId, upn: la.user.upn, name: la.user.name });
    const listed = async () => {
      const res = await fetch(`${laBot.baseUrl}/api/admin/starters`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { pushes: { id: string; count: number }[] }).pushes;
    };
    const [first] = await listed();
    // A second push, of one more starter.
    const another = newStarter(teams, 'Alex Wong');
    await postActivity(laBot.messagesUrl, personalMessage(scene, la.who, la.conversationId, `welcome ${another.user.upn}`));
    await laBot.app.deliveries.drain();
    expect((await listed()).map((p) => p.count)).toEqual([1, 2]);
    let text = '';
    const ops = await store.during(async () => {
      const res = await postActivity(
        laBot.messagesUrl,
        adaptiveCardAction(scene, la.who, la.conversationId, { verb: 'laStatus', data: { verb: 'laStatus', push: first?.id ?? '', progress: 'all' } }),
      );
      text = cardText((res.body as { value: unknown }).value);
    });
    expect(text).toContain(starters[0]?.user.upn ?? 'sam');
    expect(text).not.toContain(another.user.upn);
    expect(ops).toMatchObject({ 'read LA pushes': 1, 'read push': 2, 'read recipient': 2 });
  });
});
