import type { Frame } from 'playwright-core';
import { adaptiveCardAction, personalInstall, personalMessage, postActivity } from '../helpers/activities';
import { seriousAxeFindings } from '../helpers/axe';
import { newStarter } from '../helpers/botHarness';
import { saveScreenshot } from '../helpers/screenshots';
import { cardOf, cardText } from '../helpers/cardText';
import { startTabStack, type TabStack } from '../helpers/tabStack';
import { FOREIGN_ORIGIN, TAB_ORIGIN, openTabAlone, withTab } from '../helpers/teamsHost';

// A browser, a bot and three emulators per file; generous under a loaded CI machine (no assertion is timed).
jest.setTimeout(60_000);

let stack: TabStack;

beforeAll(async () => {
  stack = await startTabStack();
});
afterAll(async () => {
  await stack?.close();
});

/** A starter whose welcome the bot has sent, with the given actions ticked in chat. */
async function starterWithTicks(...actionIds: string[]) {
  const s = newStarter(stack.teams);
  await postActivity(stack.bot.messagesUrl, personalInstall(stack.scene, s.who, s.conversationId));
  for (const actionId of actionIds) {
    const res = await postActivity(
      stack.bot.messagesUrl,
      adaptiveCardAction(stack.scene, s.who, s.conversationId, { verb: 'ack', data: { verb: 'ack', actionId, view: 'step' } }),
    );
    expect(res.status).toBe(200);
  }
  return s;
}

/** What the bot says to "progress" in the starter's chat. */
async function chatProgress(s: ReturnType<typeof newStarter>): Promise<string> {
  await postActivity(stack.bot.messagesUrl, personalMessage(stack.scene, s.who, s.conversationId, 'progress'));
  return cardText(cardOf(stack.teams.sentTo(s.conversationId).at(-1)!));
}

/** Waits (up to 10 s) for something the browser reports asynchronously. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(condition()).toBe(true);
}

const checkbox = (tab: Frame, title: RegExp) => tab.getByRole('checkbox', { name: title });

describe('My welcome checklist, framed by Teams', () => {
  it('shows the journey and the progress the bot recorded in chat', async () => {
    const s = await starterWithTicks('account-secret', 'mfa');
    const host = await stack.open(s.user, 'checklist');
    await withTab(host, async (tab) => {
      await tab.locator('#progress-text', { hasText: '2 of 18 actions done' }).waitFor();
      expect(await tab.locator('#must-do-text').textContent()).toBe('Must-do actions: 1 of 3 done');
      expect(await checkbox(tab, /Set your user account secret/).isChecked()).toBe(true);
      expect(await checkbox(tab, /Know your multi-factor authentication/).isChecked()).toBe(true);
      expect(await checkbox(tab, /Record a UK mobile number/).isChecked()).toBe(false);
      // Must-do is said in words, and done is said in words beside the tick.
      expect(await tab.locator('label[for="ack-account-secret"]').textContent()).toBe('Must do: Set your user account secret');
      expect(await tab.locator('#state-account-secret').textContent()).toMatch(/^Done on \d{1,2} \w+ \d{4}$/);
      expect(await tab.locator('#state-uk-mobile-number').textContent()).toBe('Not done yet');
      expect(await tab.getByRole('heading', { level: 2 }).allTextContents()).toEqual(
        expect.arrayContaining(['Your progress', 'Getting started', 'Actions to complete', 'Security guidance']),
      );
      expect(await tab.getByRole('link', { name: /./ }).count()).toBeGreaterThan(0);
      // The real teams-js ran the handshake with the host, then asked for the SSO token.
      const funcs = (await host.messages()).map((m) => m.func);
      expect(funcs.slice(0, 2)).toEqual(['initialize', 'getContext']);
      expect(funcs).toEqual(expect.arrayContaining(['registerHandler', 'authentication.getAuthToken']));
      expect(host.tokensIssued()).toBeGreaterThanOrEqual(1);
      await saveScreenshot(host.page, 'checklist-light', tab);
    });
  });

  it('ticks and unticks with the keyboard, and the bot sees the same acknowledgements in chat', async () => {
    const s = await starterWithTicks('account-secret');
    const host = await stack.open(s.user, 'checklist');
    await withTab(host, async (tab) => {
      const mobile = checkbox(tab, /Record a UK mobile number/);
      await mobile.focus();
      await tab.page().keyboard.press('Space');
      await tab.getByRole('status').filter({ hasText: 'Marked “Record a UK mobile number” as done. 2 of 18 actions done.' }).waitFor();
      expect(await mobile.isChecked()).toBe(true);
      expect(await tab.evaluate(() => document.activeElement?.id)).toBe('ack-uk-mobile-number');
      expect(await tab.locator('#progress-text').textContent()).toBe('2 of 18 actions done');

      const chat = await chatProgress(s);
      expect(chat).toContain('2 of 18 actions done');
      expect(chat).toContain('Must-do actions: 2 of 3 done');

      await checkbox(tab, /Set your user account secret/).click();
      await tab.getByRole('status').filter({ hasText: 'Marked “Set your user account secret” as not done. 1 of 18 actions done.' }).waitFor();
      const after = await chatProgress(s);
      expect(after).toContain('1 of 18 actions done');
      expect(after).toContain('Must-do actions: 1 of 3 done');
    });
  });

  it('tells someone the bot has not welcomed yet to start in the chat, and lets nothing be ticked', async () => {
    const s = newStarter(stack.teams);
    const host = await stack.open(s.user, 'checklist');
    await withTab(host, async (tab) => {
      await tab.getByRole('heading', { name: 'Your checklist starts in the chat' }).waitFor();
      expect(await tab.locator('#progress-text').textContent()).toBe('0 of 18 actions done');
      expect(await checkbox(tab, /Set your user account secret/).isDisabled()).toBe(true);
    });
  });

  it('follows the Teams theme: high contrast from the context, then dark and default when the user switches', async () => {
    const s = await starterWithTicks('account-secret');
    const host = await stack.open(s.user, 'checklist', { theme: 'contrast' });
    await withTab(host, async (tab) => {
      await tab.locator('#progress-text').waitFor();
      const look = () =>
        tab.evaluate(() => ({ theme: document.documentElement.dataset['theme'], bg: getComputedStyle(document.documentElement).backgroundColor }));
      expect(await look()).toEqual({ theme: 'contrast', bg: 'rgb(0, 0, 0)' });
      await saveScreenshot(host.page, 'checklist-contrast', tab, 900);
      await host.setTheme('dark');
      await tab.waitForFunction(() => document.documentElement.dataset['theme'] === 'dark');
      expect(await look()).toEqual({ theme: 'dark', bg: 'rgb(31, 31, 31)' });
      await saveScreenshot(host.page, 'checklist-dark', tab, 900);
      await host.setTheme('default');
      await tab.waitForFunction(() => document.documentElement.dataset['theme'] === 'default');
      expect(await look()).toEqual({ theme: 'default', bg: 'rgb(245, 245, 245)' });
    });
  });

  it.each(['default', 'dark', 'contrast'] as const)('has no serious or critical axe-core findings in the %s theme', async (theme) => {
    const s = await starterWithTicks('account-secret', 'training-guidance');
    const host = await stack.open(s.user, 'checklist', { theme });
    await withTab(host, async (tab) => {
      await tab.locator('#progress-text').waitFor();
      expect(await seriousAxeFindings(tab)).toEqual([]);
    });
  });

  it('is usable 360 pixels wide: nothing wider than the screen, and ticking works', async () => {
    const s = await starterWithTicks();
    const host = await stack.open(s.user, 'checklist', { viewport: { width: 360, height: 740 } });
    await withTab(host, async (tab) => {
      await tab.locator('#progress-text').waitFor();
      expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await tab.evaluate(() => window.innerWidth)).toBe(360);
      await checkbox(tab, /Set your user account secret/).click();
      await tab.locator('#progress-text', { hasText: '1 of 18 actions done' }).waitFor();
      await saveScreenshot(host.page, 'checklist-mobile', tab, 1200);
    });
  });

  it('says when Teams gives no sign-in token, instead of showing an empty list', async () => {
    const s = await starterWithTicks();
    const host = await stack.open(s.user, 'checklist', { token: () => undefined });
    await withTab(host, async (tab) => {
      await tab.getByRole('heading', { name: 'We couldn’t sign you in' }).waitFor();
      expect(await tab.getByRole('button', { name: 'Try again' }).isVisible()).toBe(true);
    });
  });
});

describe('My welcome checklist outside Teams', () => {
  it('says it must be opened in Teams when opened on its own', async () => {
    const { context, page, problems } = await openTabAlone(stack.browser, stack.bot.baseUrl, '/tabs/checklist.html');
    try {
      await page.getByRole('heading', { name: 'Open this page in Microsoft Teams' }).waitFor();
      expect(await page.getByRole('status').textContent()).toBe('Open this page in Microsoft Teams');
      expect(await page.locator('main').getAttribute('aria-busy')).toBe('false');
      expect(problems).toEqual([]);
      await saveScreenshot(page, 'outside-teams');
    } finally {
      await context.close();
    }
  });

  it('says so too when framed by a page that never answers the Teams handshake', async () => {
    const s = newStarter(stack.teams);
    const host = await stack.open(s.user, 'checklist', { answer: false });
    await withTab(host, async (tab) => {
      await tab.getByRole('heading', { name: 'Open this page in Microsoft Teams' }).waitFor();
      expect((await host.messages()).map((m) => m.func)).toEqual(['initialize']);
      expect(host.tokensIssued()).toBe(0);
    });
  });

  it('cannot be framed by a site that is not a Teams or Microsoft 365 host (CSP frame-ancestors)', async () => {
    const s = newStarter(stack.teams);
    const host = await stack.open(s.user, 'checklist', { hostOrigin: FOREIGN_ORIGIN });
    try {
      const frame = await (await host.page.waitForSelector('iframe')).contentFrame();
      await frame!.waitForURL((url) => url.protocol === 'chrome-error:');
      await until(() => host.problems.some((p) => p.includes('frame-ancestors')));
      expect(host.problems.join('\n')).toContain(
        `Framing '${TAB_ORIGIN}/' violates the following Content Security Policy directive: "frame-ancestors https://teams.microsoft.com`,
      );
      expect(await host.messages()).toEqual([]);
    } finally {
      await host.close();
    }
  });
});
