/**
 * "Helpful" / "Not helpful" on answers and steps, through the real server: votes arrive as adaptiveCard/action invokes
 * (or Action.Submit from older clients), refresh the card in place, and land in anonymous tallies that
 * `npm run report:feedback` shows; retention and forget me apply.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  actionSubmit,
  adaptiveCardAction,
  channelMention,
  personalInstall,
  personalMessage,
  postActivity,
  type ActivityUser,
  type TeamsScene,
} from '../helpers/activities';
import { newStarter, startBot, startTeams, tempDataDir, type RunningBot } from '../helpers/botHarness';
import { buttons, cardOf, cardText } from '../helpers/cardText';
import type { JsonObject } from '../helpers/loopback';
import type { TeamsEmulator } from '../helpers/teamsEmulator';
import { FeedbackStore, type Tally } from '../../src/feedback/feedbackStore';
import { keys } from '../../src/state/keys';
import { readItem } from '../../src/state/update';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const DAY_MS = 24 * 60 * 60 * 1000;

let teams: TeamsEmulator;
let scene: TeamsScene;
let bot: RunningBot;
let dataDir: string;

beforeAll(async () => {
  ({ teams, scene } = await startTeams());
  dataDir = tempDataDir();
  bot = await startBot({ DATA_DIR: dataDir });
});
afterAll(async () => {
  await bot.close();
  await teams.close();
});

async function welcomed(on: RunningBot = bot): Promise<{ who: ActivityUser; conversationId: string }> {
  const { who, conversationId } = newStarter(teams);
  await postActivity(on.messagesUrl, personalInstall(scene, who, conversationId));
  return { who, conversationId };
}

async function ask(who: ActivityUser, conversationId: string, text: string, on: RunningBot = bot): Promise<Record<string, unknown>> {
  const before = teams.sentTo(conversationId).length;
  const res = await postActivity(on.messagesUrl, personalMessage(scene, who, conversationId, text));
  expect(res.status).toBe(200);
  const sent = teams.sentTo(conversationId);
  expect(sent.length).toBe(before + 1);
  return cardOf(sent.at(-1)!) as Record<string, unknown>;
}

/** Presses a button (an Action.Execute invoke) and returns the card that replaces the pressed one. */
async function press(who: ActivityUser, conversationId: string, data: Record<string, unknown>, on: RunningBot = bot): Promise<Record<string, unknown>> {
  const res = await postActivity(on.messagesUrl, adaptiveCardAction(scene, who, conversationId, { verb: String(data['verb']), data: data as JsonObject }));
  expect(res.status).toBe(200);
  const body = res.body as { type: string; value: Record<string, unknown> };
  expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
  return body.value;
}

function voteButton(card: unknown, vote: 'helpful' | 'notHelpful'): { title: string; data: Record<string, unknown> } {
  const found = buttons(card).find((b) => b.verb === 'feedback' && b.data['vote'] === vote);
  if (!found) throw new Error(`no ${vote} button on the card`);
  return found;
}

async function tally(kind: 'answer' | 'step', id: string, on: RunningBot = bot): Promise<Tally | undefined> {
  return readItem<Tally>(on.app.storage, keys.feedbackTally(kind, id));
}

describe('feedback on answers', () => {
  it('counts a vote, moves it when the user changes it, never counts a repeat twice, and adds a second user', async () => {
    const a = await welcomed();
    const card = await ask(a.who, a.conversationId, 'how do I reset my password? I am jane.doe@nhs.net');
    expect(cardText(card)).toContain('Was this helpful?');
    const helpful = voteButton(card, 'helpful');
    const notHelpful = voteButton(card, 'notHelpful');
    // A screen reader reads only the title: each says what it is about, and no two buttons on the card share a name.
    expect(helpful.title).toBe('Helpful: this answer');
    expect(notHelpful.title).toBe('Not helpful: this answer');
    expect(JSON.stringify(card)).toContain('"tooltip":"Tell us that “Resetting or changing your password” did not help you"');
    const titles = buttons(card).map((b) => b.title.toLowerCase());
    expect(new Set(titles).size).toBe(titles.length);

    const afterNo = await press(a.who, a.conversationId, notHelpful.data);
    expect(cardText(afterNo)).toContain('Resetting or changing your password');
    expect(cardText(afterNo)).toContain('You said this was not helpful');
    expect(await tally('answer', 'password-reset')).toMatchObject({
      helpful: 0,
      notHelpful: 1,
      questions: [{ text: 'how do I reset my password? I am [email]' }],
    });

    // The same button again (a double click, or the old card): still one vote.
    await press(a.who, a.conversationId, notHelpful.data);
    expect(await tally('answer', 'password-reset')).toMatchObject({ helpful: 0, notHelpful: 1 });

    // Changed mind: the vote moves, and the question behind "not helpful" goes with it.
    const afterYes = await press(a.who, a.conversationId, voteButton(afterNo, 'helpful').data);
    expect(cardText(afterYes)).toContain('You said this was helpful');
    expect(await tally('answer', 'password-reset')).toMatchObject({ helpful: 1, notHelpful: 0, questions: [] });

    const b = await welcomed();
    const cardB = await ask(b.who, b.conversationId, 'i forgot my password, call me on 07700 900123');
    expect(cardText(cardB)).not.toContain('You said'); // A's vote is A's alone
    await press(b.who, b.conversationId, voteButton(cardB, 'notHelpful').data);
    const counted = await tally('answer', 'password-reset');
    expect(counted).toMatchObject({ helpful: 1, notHelpful: 1, questions: [{ text: 'i forgot my password, call me on [number]' }] });
    // Who voted is not in the tally.
    for (const who of [a.who, b.who]) {
      expect(JSON.stringify(counted)).not.toContain(who.userId);
      expect(JSON.stringify(counted)).not.toContain(who.aadObjectId);
    }

    // Asked again later, the answer shows A's own vote.
    expect(cardText(await ask(a.who, a.conversationId, 'how do I change my password'))).toContain('You said this was helpful');
  });

  it("keeps offering the topic a safety answer's question was also about after the vote", async () => {
    const { who, conversationId } = await welcomed();
    const card = await ask(who, conversationId, 'got an email from the nhsmail team saying my mailbox is full, click here');
    expect(cardText(card)).toContain('Your question was also about:');
    const after = await press(who, conversationId, voteButton(card, 'notHelpful').data);
    expect(cardText(after)).toContain('You said this was not helpful');
    expect(cardText(after)).toContain('Your question was also about:');
    expect(cardText(after)).toContain('Managing your mailbox quota');
  });

  it("is not offered in a channel, where the card is everyone's", async () => {
    const { who } = newStarter(teams);
    const team = { id: '19:feedback-team@thread.skype', name: 'Ward 9', aadGroupId: '00000000-0000-4000-8000-0000000000b9' };
    const before = teams.activities.length;
    await postActivity(bot.messagesUrl, channelMention(scene, who, team, 'what is the helpdesk number?'));
    const reply = teams.activities.slice(before).find((x) => x.kind === 'send' || x.kind === 'reply');
    const card = cardOf(reply!);
    expect(cardText(card)).toContain('Contacting the helpdesk');
    expect(cardText(card)).not.toContain('Was this helpful?');
    expect(buttons(card).filter((b) => b.verb === 'feedback')).toEqual([]);
  });
});

describe('feedback on journey steps', () => {
  it("counts a vote on the welcome step, and an older client's Action.Submit changes it, updating the card in place", async () => {
    const { who, conversationId } = await welcomed();
    const welcome = teams.sentTo(conversationId)[0]!;
    const card = cardOf(welcome)!;
    expect(cardText(card)).toContain('Was this helpful?');
    const helpful = voteButton(card, 'helpful');
    expect(helpful.title).toBe('Helpful: this step');
    const before = (await tally('step', 'introduction'))?.helpful ?? 0;

    const after = await press(who, conversationId, helpful.data);
    expect(cardText(after)).toContain('Step 1 of');
    expect(cardText(after)).toContain('You said this was helpful');
    expect((await tally('step', 'introduction'))?.helpful).toBe(before + 1);

    const notHelpful = voteButton(card, 'notHelpful');
    const updates = teams.activities.filter((x) => x.kind === 'update' && x.conversationId === conversationId).length;
    const res = await postActivity(bot.messagesUrl, actionSubmit(scene, who, conversationId, notHelpful.data as JsonObject, { replyToId: welcome.activityId }));
    expect(res.status).toBe(200);
    const updated = teams.activities.filter((x) => x.kind === 'update' && x.conversationId === conversationId);
    expect(updated.length).toBe(updates + 1);
    expect(cardText(cardOf(updated.at(-1)!))).toContain('You said this was not helpful');
    const moved = await tally('step', 'introduction');
    expect(moved?.helpful).toBe(before);
    expect(moved?.notHelpful).toBeGreaterThanOrEqual(1);
    expect(moved?.questions).toEqual([]); // a step has no question behind it

    // Moving to another step and back shows the vote.
    const back = await press(who, conversationId, { verb: 'goto', stepId: 'introduction' });
    expect(cardText(back)).toContain('You said this was not helpful');
  });
});

describe('stale card data', () => {
  it('answers an unknown answer or step, and a malformed vote, with "out of date" and counts nothing', async () => {
    const { who, conversationId } = await welcomed();
    const rev = '0123456789ab';
    const stale = [
      { verb: 'feedback', subject: 'answer', id: 'no-such-answer', rev, vote: 'helpful', q: '' },
      { verb: 'feedback', subject: 'step', id: 'no-such-step', rev, vote: 'notHelpful' },
      { verb: 'feedback', subject: 'answer', id: 'helpdesk', rev, vote: 'maybe' },
      { verb: 'feedback', subject: 'answer', id: 'helpdesk', rev: 'not-a-rev', vote: 'helpful' },
      { verb: 'feedback', subject: 'page', id: 'helpdesk', rev, vote: 'helpful' },
      { verb: 'feedback', subject: 'answer', id: 'helpdesk', rev, vote: 'helpful', q: 'x'.repeat(301) },
      { verb: 'feedback', subject: 'answer', id: '../../etc', rev, vote: 'helpful' },
    ];
    for (const data of stale) expect(cardText(await press(who, conversationId, data))).toContain('That card is out of date');
    expect(await tally('answer', 'no-such-answer')).toBeUndefined();
    expect(await tally('step', 'no-such-step')).toBeUndefined();
    expect(bot.logs.filter((l) => l['event'] === 'card.actionFailed')).toEqual([]);
  });

  it('does not count a vote from a card whose words have changed, and shows the current words', async () => {
    const { who, conversationId } = await welcomed();
    const before = await tally('answer', 'account-secret');
    const old = { verb: 'feedback', subject: 'answer', id: 'account-secret', rev: 'aaaaaaaaaaaa', vote: 'notHelpful', q: 'old question' };
    const card = await press(who, conversationId, old);
    expect(cardText(card)).toContain('Your user account secret');
    expect(cardText(card)).toContain('This has changed since you saw it');
    expect(await tally('answer', 'account-secret')).toEqual(before);

    const step = await press(who, conversationId, { verb: 'feedback', subject: 'step', id: 'security', rev: 'bbbbbbbbbbbb', vote: 'helpful' });
    expect(cardText(step)).toContain('This has changed since you saw it');
    expect(await tally('step', 'security')).toBeUndefined();
  });

  it("does not count a vote pressed on a card sent before an editor changed the answer's links", async () => {
    const dir = tempDataDir();
    const first = await startBot({ DATA_DIR: dir });
    let oldCard: Record<string, unknown>;
    let user: { who: ActivityUser; conversationId: string };
    try {
      user = await welcomed(first);
      oldCard = await ask(user.who, user.conversationId, 'how do I set up multi-factor authentication', first);
      expect(cardText(oldCard)).toContain('Was this helpful?');
    } finally {
      await first.close();
    }
    const second = await startBot({ DATA_DIR: dir, LINK_OVERRIDES: JSON.stringify({ mfa: 'https://support.nhs.net/knowledge-base/mfa-moved/' }) });
    try {
      const card = await press(user.who, user.conversationId, voteButton(oldCard, 'notHelpful').data, second);
      expect(cardText(card)).toContain('This has changed since you saw it');
      expect(await tally('answer', 'mfa', second)).toBeUndefined();
      // The fresh card's vote counts.
      await press(user.who, user.conversationId, voteButton(card, 'notHelpful').data, second);
      expect(await tally('answer', 'mfa', second)).toMatchObject({ notHelpful: 1 });
    } finally {
      await second.close();
    }
  });
});

describe('npm run report:feedback', () => {
  it('lists answers and steps, most "not helpful" first, with the masked questions behind them', async () => {
    const users = await Promise.all([welcomed(), welcomed(), welcomed()]);
    // Voted on first, and liked: it must come after the answer with the most "not helpful" votes.
    const liked = await ask(users[0]!.who, users[0]!.conversationId, 'what is the helpdesk number?');
    await press(users[0]!.who, users[0]!.conversationId, voteButton(liked, 'helpful').data);
    for (const [i, u] of users.entries()) {
      const card = await ask(u.who, u.conversationId, `who is my local administrator ${i === 0 ? 'jo.bloggs@nhs.net' : `question ${i}`}`);
      await press(u.who, u.conversationId, voteButton(card, 'notHelpful').data);
    }
    const run = spawnSync(process.execPath, [TSX, join(ROOT, 'src', 'cli', 'report-feedback.ts')], {
      encoding: 'utf8',
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    });
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\s*3 not helpful\s+0 helpful\s+answer find-la “Finding your Local Administrator”/);
    expect(lines.slice(1, 4).map((l) => l.trim().replace(/\s+\(\d{4}-\d\d-\d\d\)$/, ''))).toEqual([
      '- who is my local administrator question 2',
      '- who is my local administrator question 1',
      '- who is my local administrator [email]',
    ]);
    const helpdesk = lines.findIndex((l) => / answer helpdesk “Contacting the helpdesk”/.test(l));
    expect(helpdesk).toBeGreaterThan(3);
    expect(lines[helpdesk]).toMatch(/^\s*0 not helpful\s+[1-9]\d* helpful/);
    expect(lines.at(-1)).toMatch(/^\d+ answer\(s\) and step\(s\) with votes; questions kept for 30 days$/);

    const json = spawnSync(process.execPath, [TSX, join(ROOT, 'src', 'cli', 'report-feedback.ts'), '--json'], {
      encoding: 'utf8',
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    });
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]).toMatchObject({ kind: 'answer', id: 'find-la', words: 'current', notHelpful: 3, helpful: 0 });
    expect(JSON.stringify(rows)).not.toContain(users[0]!.who.aadObjectId);
  });
});

describe('retention and forget me', () => {
  it('drops questions after UNANSWERED_RETENTION_DAYS and keeps the counts, until the sweep erases the voter', async () => {
    let offset = 0;
    const own = await startBot({ UNANSWERED_RETENTION_DAYS: '30' }, { now: () => new Date(Date.now() + offset) });
    try {
      const { who, conversationId } = await welcomed(own);
      const card = await ask(who, conversationId, 'my account is locked', own);
      await press(who, conversationId, voteButton(card, 'notHelpful').data, own);
      expect((await tally('answer', 'account-locked', own))?.questions).toHaveLength(1);
      offset = 29 * DAY_MS;
      await own.app.jobs.retention();
      expect((await tally('answer', 'account-locked', own))?.questions).toHaveLength(1);
      offset = 31 * DAY_MS;
      await own.app.jobs.retention();
      expect(await tally('answer', 'account-locked', own)).toMatchObject({ notHelpful: 1, questions: [] });
      // A year without activity: the sweep erases the user as forget me would, and their vote leaves the count.
      offset = 366 * DAY_MS;
      const swept = await own.app.jobs.retention();
      expect(swept.erasedInactive).toBeGreaterThanOrEqual(1);
      expect(await tally('answer', 'account-locked', own)).toMatchObject({ notHelpful: 0 });
      expect(await readItem(own.app.storage, keys.feedbackVotes(scene.tenantId, who.aadObjectId))).toBeUndefined();
    } finally {
      await own.close();
    }
  });

  it("forget me takes the user's votes and questions out of the tallies and erases their votes", async () => {
    const { who, conversationId } = await welcomed();
    const other = await welcomed();
    const card = await ask(who, conversationId, 'is nhs.net down??');
    const id = String(voteButton(card, 'notHelpful').data['id']);
    await press(who, conversationId, voteButton(card, 'notHelpful').data);
    const otherCard = await ask(other.who, other.conversationId, 'is nhsmail down');
    await press(other.who, other.conversationId, voteButton(otherCard, 'helpful').data);
    const step = cardOf(teams.sentTo(conversationId)[0]!)!;
    await press(who, conversationId, voteButton(step, 'helpful').data);
    const before = await tally('answer', id);
    const stepBefore = await tally('step', 'introduction');
    expect(before?.questions.map((q) => q.text)).toContain('is nhs.net down??');
    // "export my data" shows the votes as the user's own.
    const mine = cardText(await ask(who, conversationId, 'export my data'));
    expect(mine).toContain('What you said about answers and steps:');
    expect(mine).toMatch(/Is NHSmail down\?: not helpful \(\d{1,2} \w+ \d{4}\)/);

    expect(cardText(await press(who, conversationId, { verb: 'forgetConfirm' }))).toContain('I have forgotten you');

    const after = await tally('answer', id);
    expect(after?.notHelpful).toBe((before?.notHelpful ?? 0) - 1);
    expect(after?.helpful).toBe(before?.helpful); // the other user's vote stays
    expect(after?.questions.map((q) => q.text)).not.toContain('is nhs.net down??');
    expect((await tally('step', 'introduction'))?.helpful).toBe((stepBefore?.helpful ?? 0) - 1);
    const votes = await new FeedbackStore(bot.app.storage, 5, 30, () => new Date()).votesOf({
      tenantId: scene.tenantId,
      userId: who.userId,
      aadObjectId: who.aadObjectId,
    });
    expect(votes).toEqual({});
  });
});
