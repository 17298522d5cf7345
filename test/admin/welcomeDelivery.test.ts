import { join } from 'node:path';
import type { ConversationReference } from 'botbuilder';
import { AddressBook } from '../../src/admin/addressBook';
import { PendingWelcomes } from '../../src/admin/pending';
import { WelcomeDelivery, type StarterJob, type TeamsGateway } from '../../src/admin/welcomeDelivery';
import { JourneyFlow } from '../../src/journey/journeyFlow';
import { CardRenderer, type CardJson } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { loadContent } from '../../src/content/load';
import { classifyDeliveryError } from '../../src/delivery/classify';
import { AtomicMemoryStorage } from '../../src/state/memoryStorage';
import { UserStore, type UserRef } from '../../src/state/users';
import { channelErrorOf } from '../../src/teams/channelErrors';
import { sweepRetention } from '../../src/jobs/retention';
import { createLogger } from '../../src/log';
import { Writable } from 'node:stream';
import { cardText } from '../helpers/cardText';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const TENANT = 'tenant-1';
const AAD = '6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const CHAT = 'a:1starter-chat';
const la = { aadObjectId: '0a0a0a0a-1111-4222-8333-444455556666', name: 'Jane Smith' };
const job: StarterJob = { pushId: 'push-1', address: 'sam.roe@nhs.net', tenantId: TENANT, la };
/** The starter as Teams names them in their own activities. */
const starter: UserRef = { channelId: 'msteams', tenantId: TENANT, userId: '29:1sam-teams-id', aadObjectId: AAD, conversationId: CHAT };
const starterReference: Partial<ConversationReference> = {
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/teams/',
  user: { id: starter.userId, name: 'Sam Roe', aadObjectId: AAD },
  conversation: { id: CHAT, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
};

/** A 403 as Teams sends it for a user without the app. */
function notInstalled(): unknown {
  return channelErrorOf(Object.assign(new Error("Bot is not installed in user's personal scope"), { statusCode: 403, code: 'ForbiddenOperationException' }));
}

function rig(teams: Partial<TeamsGateway>) {
  const storage = new AtomicMemoryStorage();
  const users = new UserStore(storage, 5);
  const flow = new JourneyFlow(
    content,
    new JourneyCards(content, new CardRenderer(content.templates)),
    users,
    { answer: () => undefined, answerIntent: () => undefined },
    () => new Date(),
  );
  const addressBook = new AddressBook(storage);
  const sent: CardJson[] = [];
  const gateway: TeamsGateway = {
    createPersonalConversation: teams.createPersonalConversation ?? (() => Promise.reject(new Error('not expected'))),
    sendCard: teams.sendCard ?? (async (_reference, card) => void sent.push(card)),
  };
  const delivery = new WelcomeDelivery({
    users,
    flow,
    addressBook,
    pending: new PendingWelcomes(storage),
    teams: gateway,
    classify: classifyDeliveryError,
    graph: undefined,
    teamsAppId: undefined,
    serviceUrl: 'https://smba.trafficmanager.net/teams/',
    now: () => new Date(),
  });
  return { users, flow, addressBook, delivery, sent };
}

describe("an LA welcome that opens the starter's chat", () => {
  it('shows the LA\'s journey, not "not started", when the card is seen before the welcome is recorded', async () => {
    let seenEarly: CardJson | undefined;
    let tickedEarly: CardJson | undefined;
    const r = rig({
      createPersonalConversation: async (_target, card) => {
        // Teams has posted the card; the starter sees it (Teams asks for a refresh) and ticks before the bot records it.
        expect(cardText(card)).toContain('Jane Smith, your Local Administrator, asked me to welcome you.');
        seenEarly = await r.flow.refresh(starter, { verb: 'refresh', view: 'step' });
        tickedEarly = await r.flow.acknowledgeOnCard(starter, { verb: 'ack', actionId: 'account-secret', view: 'step' });
        return { reference: { ...starterReference, user: { id: AAD, name: '', aadObjectId: AAD } } };
      },
    });
    await r.addressBook.remember(TENANT, job.address, { aadObjectId: AAD });

    await expect(r.delivery.deliver(job)).resolves.toMatchObject({ status: 'delivered' });
    expect(cardText(seenEarly)).toContain('Step 1 of 8');
    expect(cardText(tickedEarly)).toContain('1 of 18 actions done');
    const progress = await r.users.progress(starter);
    expect(progress?.startedBy).toEqual({ kind: 'la', name: 'Jane Smith', aadObjectId: la.aadObjectId, pushId: 'push-1' });
    expect(Object.keys(progress?.acknowledged ?? {})).toEqual(['account-secret']);
  });

  it("keeps what the starter's own install event recorded while the chat was being opened", async () => {
    const r = rig({
      createPersonalConversation: async () => {
        await r.flow.remember(starter, starterReference);
        return { reference: { ...starterReference, user: { id: AAD, name: '', aadObjectId: AAD } } };
      },
    });
    await r.addressBook.remember(TENANT, job.address, { aadObjectId: AAD });
    await r.delivery.deliver(job);
    const record = await r.users.record(starter);
    expect(record).toMatchObject({ userId: starter.userId, installed: true, conversationId: CHAT });
    expect(record?.welcome.sentAt).toBeDefined();
  });

  it('welcomes a starter whose install event came while Teams still said "not installed", in the chat it told us of', async () => {
    const r = rig({
      createPersonalConversation: async () => {
        // The install event arrives now: it finds the LA's claim, so it sends nothing itself.
        await r.flow.remember(starter, starterReference);
        expect(await r.flow.claimWelcome(starter)).toBeUndefined();
        throw notInstalled();
      },
    });
    await r.addressBook.remember(TENANT, job.address, { aadObjectId: AAD });

    await expect(r.delivery.deliver(job)).resolves.toMatchObject({ status: 'delivered' });
    expect(r.sent.map((card) => cardText(card))).toEqual([expect.stringContaining('Jane Smith, your Local Administrator, asked me to welcome you.')]);
    expect((await r.users.record(starter))?.welcome.sentAt).toBeDefined();
  });

  it('leaves no journey to tick in the tab while the chat does not exist yet', async () => {
    const r = rig({ createPersonalConversation: () => Promise.reject(notInstalled()) });
    await r.addressBook.remember(TENANT, job.address, { aadObjectId: AAD });
    await expect(r.delivery.deliver(job)).resolves.toMatchObject({ status: 'pendingFirstContact' });
    const record = await r.users.record({ tenantId: TENANT, userId: AAD, aadObjectId: AAD });
    expect(record).toMatchObject({ installed: false, conversationId: '' });
    const noChat: UserRef = { ...starter, userId: AAD, conversationId: '' };
    expect(await r.users.progress(noChat)).toBeUndefined();
    await expect(r.users.updateProgress(noChat, (p) => p)).rejects.toThrow(/personal conversation/);

    // Retention keeps them while the welcome may still reach them, and erases them once inactive as long as anyone.
    const log = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
    const sweep = (daysOn: number) =>
      sweepRetention({
        users: r.users,
        flow: r.flow,
        settings: { afterCompletionDays: 90, inactiveDays: 365 },
        now: () => new Date(Date.now() + daysOn * 24 * 3600_000),
        log,
      });
    expect(await sweep(30)).toEqual({ checked: 1, erasedCompleted: 0, erasedInactive: 0 });
    expect(await sweep(400)).toEqual({ checked: 1, erasedCompleted: 0, erasedInactive: 1 });
    expect(await r.users.record({ tenantId: TENANT, userId: AAD, aadObjectId: AAD })).toBeUndefined();
  });
});
