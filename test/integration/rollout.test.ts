/**
 * Rollout mode (WELCOME_NEW_ACCOUNTS_WITHIN_DAYS): when a whole organisation gets the app, people who have had
 * NHSmail for years get a one-card introduction, not the new-starter journey. The account's age comes from Graph
 * (createdDateTime, or employeeHireDate where HR set it); unknown or unreadable means the full welcome. An LA's
 * push always sends the journey.
 */
import { personalBotAdded, personalInstall, personalMessage, postActivity } from '../helpers/activities';
import { newStarter, type RunningBot } from '../helpers/botHarness';
import { cardOf, cardText } from '../helpers/cardText';
import { startPushRig, type PushRig } from '../helpers/pushRig';
import type { TeamsUser } from '../helpers/teamsEmulator';

const DAY_MS = 24 * 60 * 60 * 1000;
const INTRODUCTION = 'I answer NHSmail questions';
const JOURNEY = 'Welcome to NHSmail';

let rig: PushRig;
let bot: RunningBot;
let botWithoutRollout: RunningBot;

const daysAgo = (days: number): string => new Date(Date.now() - days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A user of the tenant (app installed) and, unless told otherwise, of the directory with these dates. */
function user(name: string, dates: { createdDateTime?: string | null; employeeHireDate?: string | null } | 'not in the directory'): TeamsUser {
  const { user: u } = newStarter(rig.teams, name);
  if (dates !== 'not in the directory') rig.graph.addUser({ id: u.aadObjectId, displayName: name, userPrincipalName: u.upn, mail: u.upn, ...dates });
  return u;
}

/** Teams installs the app for the user (both events) and the bot answers; resolves the text of the card their chat got. */
async function install(target: RunningBot, u: TeamsUser): Promise<string> {
  const who = { userId: u.userId, name: u.name, aadObjectId: u.aadObjectId };
  const conversationId = rig.teams.personalConversationId(u);
  await postActivity(target.messagesUrl, personalInstall(rig.scene, who, conversationId));
  await postActivity(target.messagesUrl, personalBotAdded(rig.scene, who, conversationId));
  const sent = rig.teams.sentTo(u);
  expect(sent).toHaveLength(1);
  return cardText(cardOf(sent[0]!));
}

beforeAll(async () => {
  rig = await startPushRig();
  bot = await rig.startBot({ WELCOME_NEW_ACCOUNTS_WITHIN_DAYS: '30' });
  botWithoutRollout = await rig.startBot();
});
afterAll(async () => {
  await bot.close();
  await botWithoutRollout.close();
  await rig.close();
});

describe('rollout mode: welcome by account age', () => {
  it('gives an account made 5 days ago the welcome journey', async () => {
    const text = await install(bot, user('New Starter', { createdDateTime: daysAgo(5) }));
    expect(text).toContain(JOURNEY);
    expect(text).not.toContain(INTRODUCTION);
  });

  it('gives an account made years ago a one-card introduction, and asks Graph for exactly the two dates', async () => {
    const old = user('Long Standing', { createdDateTime: '2016-03-01T09:00:00Z' });
    const text = await install(bot, old);
    expect(text).toContain(INTRODUCTION);
    expect(text).toContain('help');
    expect(text).toContain('checklist is here if you want it');
    expect(text).not.toContain(JOURNEY);
    const asked = rig.graph.requests.find((r) => r.path.endsWith(`/users/${old.aadObjectId}`));
    expect(decodeURIComponent(asked?.query ?? '')).toContain('$select=createdDateTime,employeeHireDate');
  });

  it('lets a long-standing user start the checklist from the introduction', async () => {
    const old = user('Wants The Checklist', { createdDateTime: '2015-01-01T00:00:00Z' });
    await install(bot, old);
    const who = { userId: old.userId, name: old.name, aadObjectId: old.aadObjectId };
    await postActivity(bot.messagesUrl, personalMessage(rig.scene, who, rig.teams.personalConversationId(old), 'start'));
    const sent = rig.teams.sentTo(old);
    expect(sent).toHaveLength(2);
    expect(cardText(cardOf(sent[1]!))).toContain(JOURNEY);
  });

  it('goes by the hire date where HR set one: an old account for someone hired last week gets the journey', async () => {
    const text = await install(bot, user('Rehired', { createdDateTime: '2012-06-01T00:00:00Z', employeeHireDate: daysAgo(7) }));
    expect(text).toContain(JOURNEY);
  });

  it('gives the introduction to a recent account whose hire date is long past', async () => {
    const text = await install(bot, user('Hired Long Ago', { createdDateTime: daysAgo(2), employeeHireDate: '2010-09-01T00:00:00Z' }));
    expect(text).toContain(INTRODUCTION);
  });

  it('gives the full welcome when Graph has no dates for the account', async () => {
    const text = await install(bot, user('No Dates', { createdDateTime: null, employeeHireDate: null }));
    expect(text).toContain(JOURNEY);
  });

  it('gives the full welcome when Graph does not know the account', async () => {
    const text = await install(bot, user('Unknown To Graph', 'not in the directory'));
    expect(text).toContain(JOURNEY);
  });

  it('gives the full welcome when Graph fails', async () => {
    const u = user('Graph Down', { createdDateTime: '2016-03-01T09:00:00Z' });
    rig.graph.failNext({ status: 500, code: 'generalException', match: { path: `/users/${u.aadObjectId}` }, times: 5 });
    const text = await install(bot, u);
    expect(text).toContain(JOURNEY);
    expect(bot.logs.some((l) => l.event === 'welcome.accountAgeUnknown')).toBe(true);
  });

  it('is off by default: an old account gets the full welcome and Graph is not asked its age', async () => {
    const old = user('Old But No Rollout', { createdDateTime: '2016-03-01T09:00:00Z' });
    const text = await install(botWithoutRollout, old);
    expect(text).toContain(JOURNEY);
    expect(rig.graph.requests.some((r) => r.path.endsWith(`/users/${old.aadObjectId}`) && r.query.includes('createdDateTime'))).toBe(false);
  });

  it('sends the full journey when a Local Administrator pushes the welcome to a long-standing account', async () => {
    const la = rig.la;
    await postActivity(bot.messagesUrl, personalInstall(rig.scene, la.who, la.conversationId));
    const old = user('Pushed By LA', { createdDateTime: '2016-03-01T09:00:00Z' });
    await rig.push(bot, [old]);
    await bot.app.deliveries.drain();
    const sent = rig.teams.sentTo(old);
    expect(sent).toHaveLength(1);
    const text = cardText(cardOf(sent[0]!));
    expect(text).toContain('asked me to welcome you');
    expect(text).not.toContain(INTRODUCTION);
  });
});
