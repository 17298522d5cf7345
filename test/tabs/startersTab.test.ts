import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download, Frame } from 'playwright-core';
import { adaptiveCardAction, personalInstall, postActivity } from '../helpers/activities';
import { seriousAxeFindings } from '../helpers/axe';
import { newStarter } from '../helpers/botHarness';
import { saveScreenshot } from '../helpers/screenshots';
import { startTabStack, type TabStack } from '../helpers/tabStack';
import { openTabAlone, withTab } from '../helpers/teamsHost';
import type { TeamsUser } from '../helpers/teamsEmulator';

// A browser, a bot and three emulators per file; generous under a loaded CI machine (no assertion is timed).
jest.setTimeout(60_000);

let stack: TabStack;
let la: TeamsUser;

beforeAll(async () => {
  stack = await startTabStack((teams) => {
    la = newStarter(teams, 'Jane Smith').user;
    return { LA_OBJECT_IDS: la.aadObjectId };
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Types addresses into the form and sends them, as a keyboard user would. */
async function pushFromTab(tab: Frame, addresses: string): Promise<void> {
  await tab.getByLabel('NHSmail addresses of your new starters').fill(addresses);
  await tab.getByRole('button', { name: 'Send the welcome' }).click();
}

/** The table row of a starter (on narrow screens the header cell's name starts with its "Address: " label). */
const rowOf = (tab: Frame, address: string) => tab.getByRole('row').filter({ has: tab.locator('th[scope="row"]', { hasText: address }) });

describe('New starters, for a Local Administrator', () => {
  it('pushes the welcome through the real server and shows each starter’s delivery status and progress', async () => {
    const starter = newStarter(stack.teams, 'Priya Patel');
    const host = await stack.open(la, 'starters');
    await withTab(host, async (tab) => {
      await tab.getByRole('heading', { name: 'Send the welcome' }).waitFor();
      await tab.locator('#no-starters').waitFor();
      await pushFromTab(tab, `${starter.user.upn.toUpperCase()}\nsomeone@gmail.com, nonsense@`);
      await tab.getByRole('status').filter({ hasText: 'Sending the welcome to 1 starter.' }).waitFor();
      const result = tab.locator('#push-result');
      expect(await result.textContent()).toContain('Outside your organisation’s allowed domains, not sent: someone@gmail.com');
      expect(await result.textContent()).toContain('Not valid addresses, not sent: nonsense@');
      expect(await tab.getByLabel('NHSmail addresses of your new starters').inputValue()).toBe('');
      await rowOf(tab, starter.user.upn).waitFor();

      // The delivery worker runs; the starter is in Teams but has not opened the bot yet (no Graph here).
      await stack.bot.app.deliveries.drain();
      await tab.getByRole('button', { name: 'Refresh the list' }).click();
      await rowOf(tab, starter.user.upn).getByText('Waiting for them to open the bot').waitFor();
      expect(await rowOf(tab, starter.user.upn).getByRole('cell').allTextContents()).toEqual([
        'Waiting for them to open the bot: They will get it the first time they open the bot in Teams.',
        'Not started yet',
        'Not started yet',
        '–',
      ]);

      // They open the bot: the LA's pending welcome is delivered; they tick the must-do secret in chat.
      await postActivity(stack.bot.messagesUrl, personalInstall(stack.scene, starter.who, starter.conversationId));
      await postActivity(
        stack.bot.messagesUrl,
        adaptiveCardAction(stack.scene, starter.who, starter.conversationId, { verb: 'ack', data: { verb: 'ack', actionId: 'account-secret', view: 'step' } }),
      );
      await tab.getByRole('button', { name: 'Refresh the list' }).click();
      await rowOf(tab, starter.user.upn).getByText('Welcome delivered').waitFor();
      const cells = await rowOf(tab, starter.user.upn).getByRole('cell').allTextContents();
      expect(cells.slice(0, 3)).toEqual(['Welcome delivered: Delivered when they first opened the bot.', '1 of 18 done', '1 of 3 done']);
      expect(cells[3]).toMatch(/^\d{1,2} \w+ \d{4}$/);
      await saveScreenshot(host.page, 'starters-light', tab);
    });
    const audit = readFileSync(join(stack.dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toMatch(/"event":"push[^"]*".*"via":"tab"/);
  });

  it('asks for an address when the form is sent empty, and explains a push with no valid address', async () => {
    const host = await stack.open(la, 'starters');
    await withTab(host, async (tab) => {
      await tab.getByRole('heading', { name: 'Send the welcome' }).waitFor();
      const field = tab.getByLabel('NHSmail addresses of your new starters');
      await field.focus();
      await tab.page().keyboard.press('Tab');
      await tab.page().keyboard.press('Enter');
      await tab.getByText('Enter at least one NHSmail address.').waitFor();
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await field.getAttribute('aria-describedby')).toBe('addresses-error addresses-hint');
      expect(await tab.evaluate(() => document.activeElement?.id)).toBe('addresses');

      await pushFromTab(tab, 'someone@gmail.com');
      await tab.getByText('The welcome was not sent: No valid address in an allowed domain.').waitFor();
      expect(await tab.locator('#push-result').textContent()).toContain('someone@gmail.com');
    });
  });
});

describe('New starters, for a Local Administrator with starters listed', () => {
  beforeAll(async () => {
    const res = await fetch(`${stack.bot.baseUrl}/api/admin/welcome`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.tokenFor(la)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ addresses: ['listed.starter@nhs.net', 'another.listed.starter@nhs.net'] }),
    });
    expect(res.status).toBe(202);
    await stack.bot.app.deliveries.drain();
  });

  it.each(['default', 'dark', 'contrast'] as const)('has no serious or critical axe-core findings with starters listed, in the %s theme', async (theme) => {
    const host = await stack.open(la, 'starters', { theme });
    await withTab(host, async (tab) => {
      await tab.locator('#starters-table').waitFor();
      expect(await tab.evaluate(() => document.documentElement.dataset['theme'])).toBe(theme);
      expect(await seriousAxeFindings(tab)).toEqual([]);
    });
  });

  it('is usable 360 pixels wide: each starter is a labelled block and nothing is wider than the screen', async () => {
    const host = await stack.open(la, 'starters', { viewport: { width: 360, height: 812 }, theme: 'dark' });
    await withTab(host, async (tab) => {
      await tab.locator('#starters-table').waitFor();
      expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      const label = await tab
        .locator('tbody td')
        .first()
        .evaluate((td) => getComputedStyle(td, '::before').content);
      expect(label).toBe('"Status: "');
      await pushFromTab(tab, 'mobile.starter@nhs.net');
      await tab.getByRole('status').filter({ hasText: 'Sending the welcome to 1 starter.' }).waitFor();
      await rowOf(tab, 'mobile.starter@nhs.net').waitFor();
      expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await saveScreenshot(host.page, 'starters-mobile-dark', tab);
    });
  });
});

describe('New starters: filters, CSV download and resend', () => {
  let pushA: string;
  let pushB: string;
  let done: ReturnType<typeof newStarter>;
  const waiting = 'filter.waiting@nhs.net';
  const elsewhere = 'filter.elsewhere@nhs.net';

  beforeAll(async () => {
    done = newStarter(stack.teams, 'Fin Ished');
    const push = async (addresses: string[]): Promise<string> => {
      const res = await fetch(`${stack.bot.baseUrl}/api/admin/welcome`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.tokenFor(la)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ addresses }),
      });
      return String(((await res.json()) as { pushId: string }).pushId);
    };
    pushA = await push([done.user.upn, waiting]);
    pushB = await push([elsewhere]);
    await stack.bot.app.deliveries.drain();
    // One starter of push A opens the bot (the pending welcome is delivered) and does every must-do action.
    await postActivity(stack.bot.messagesUrl, personalInstall(stack.scene, done.who, done.conversationId));
    for (const actionId of ['account-secret', 'sspr-registration', 'uk-mobile-number']) {
      await postActivity(
        stack.bot.messagesUrl,
        adaptiveCardAction(stack.scene, done.who, done.conversationId, { verb: 'ack', data: { verb: 'ack', actionId, view: 'step' } }),
      );
    }
  });

  it('filters by push and by progress, downloads those starters as CSV, and resends the push to the one it did not reach', async () => {
    const host = await stack.open(la, 'starters');
    await withTab(host, async (tab) => {
      await tab.locator('#starters-table').waitFor();
      await tab.getByLabel('Which push').selectOption(pushA);
      await rowOf(tab, waiting).waitFor();
      await rowOf(tab, elsewhere).waitFor({ state: 'detached' });
      await rowOf(tab, done.user.upn).waitFor();

      await tab.getByLabel('How far they have got').selectOption({ label: 'Finished (every must-do action done)' });
      await rowOf(tab, waiting).waitFor({ state: 'detached' });
      expect(await tab.locator('tbody tr').count()).toBe(1);
      expect(await rowOf(tab, done.user.upn).getByRole('cell').nth(2).textContent()).toBe('3 of 3 done');

      const [download] = await Promise.all([host.page.waitForEvent('download'), tab.getByRole('button', { name: 'Download as CSV' }).click()]);
      expect(download.suggestedFilename()).toBe('new-starters.csv');
      const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
      const lines = csv.split('\r\n');
      expect(lines[0]).toBe('"Address","Sent at","Must-do done","Actions done","Last seen","Status"');
      expect(lines[1]).toMatch(new RegExp(`^"${done.user.upn.replace(/[.]/g, '\\.')}","\\d{4}-[^"]+","3 of 3","3 of 18",`));
      expect(lines).toHaveLength(3);
      await tab.getByRole('status').filter({ hasText: 'The CSV file of these starters has been downloaded.' }).waitFor();

      // Back to everyone in push A: the one not reached can be sent it again.
      await tab.getByLabel('How far they have got').selectOption({ label: 'Everyone' });
      await rowOf(tab, waiting).waitFor();
      await saveScreenshot(host.page, 'starters-filters', tab);
      await tab.getByRole('button', { name: 'Resend to those not reached (1)' }).click();
      await tab.getByRole('status').filter({ hasText: 'Sending the welcome again to 1 starters who had not got it.' }).waitFor();
    });
    await stack.bot.app.deliveries.drain();
    const audit = readFileSync(join(stack.dataDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(expect.objectContaining({ event: 'starters.exported', pushId: pushA, via: 'tab', detail: '1 starters (finished)' }));
    expect(audit).toContainEqual(expect.objectContaining({ event: 'push.resent', pushId: pushA, via: 'tab', detail: '1 starters' }));
    expect(audit.filter((e) => e.event === 'push.resent' && e.pushId === pushB)).toEqual([]);
  });
});

describe('New starters opened from the chat’s “Export as CSV”', () => {
  it('applies the filter the deep link carries and downloads that CSV once', async () => {
    const starter = newStarter(stack.teams, 'Deep Linked');
    const res = await fetch(`${stack.bot.baseUrl}/api/admin/welcome`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.tokenFor(la)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ addresses: [starter.user.upn] }),
    });
    const pushId = String(((await res.json()) as { pushId: string }).pushId);
    await stack.bot.app.deliveries.drain();
    const host = await stack.open(la, 'starters', { subEntityId: `push=${pushId}&progress=notStarted&export=csv` });
    const downloads: Download[] = [];
    host.page.on('download', (d) => downloads.push(d));
    await withTab(host, async (tab) => {
      await rowOf(tab, starter.user.upn).waitFor();
      expect(await tab.getByLabel('Which push').inputValue()).toBe(pushId);
      expect(await tab.getByLabel('How far they have got').inputValue()).toBe('notStarted');
      expect(await tab.locator('tbody tr').count()).toBe(1);
      await tab.getByRole('status').filter({ hasText: 'The CSV file of these starters has been downloaded.' }).waitFor();
      expect(downloads).toHaveLength(1);
      const csv = readFileSync((await downloads[0]!.path())!, 'utf8');
      expect(csv).toContain(`"${starter.user.upn}"`);
      expect(csv.trim().split('\r\n')).toHaveLength(2);
    });
  });
});

describe('New starters, for everyone else', () => {
  it('politely refuses someone who is not a Local Administrator and shows no form', async () => {
    const someone = newStarter(stack.teams, 'Sam Starter').user;
    const host = await stack.open(someone, 'starters');
    await withTab(host, async (tab) => {
      await tab.getByRole('heading', { name: 'This tab is for Local Administrators' }).waitFor();
      expect(await tab.getByText(/Your own checklist is in the “My welcome checklist” tab/).isVisible()).toBe(true);
      expect(await tab.locator('form, textarea, table').count()).toBe(0);
      expect(await seriousAxeFindings(tab)).toEqual([]);
      await saveScreenshot(host.page, 'starters-refused', tab);
    });
  });

  it('says it must be opened in Teams when opened on its own', async () => {
    const { context, page, problems } = await openTabAlone(stack.browser, stack.bot.baseUrl, '/tabs/starters.html');
    try {
      await page.getByRole('heading', { name: 'Open this page in Microsoft Teams' }).waitFor();
      expect(await page.locator('form').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
