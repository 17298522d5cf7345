/**
 * Every catalogue card through the adaptivecards JS renderer in Debian's chromium: no rendering error in either
 * theme, nothing wider than a 360 px phone, and no serious or critical axe-core finding on the rendered cards or
 * on the gallery page. One browser for the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { CardPage, describeViolations, launchChromium, runAxe, seriousOrCritical, type RenderResult } from '../../scripts/card-gallery/browser';
import { indexHtml } from '../../scripts/card-gallery/indexPage';
import { THEMES, WIDTHS, type Theme } from '../../scripts/card-gallery/theme';
import { buildCatalogue } from '../../src/cards/catalogue';

const catalogue = buildCatalogue();
let browser: Browser;
const pages = new Map<Theme, CardPage>();
const results = new Map<Theme, RenderResult[]>();

beforeAll(async () => {
  browser = await launchChromium();
  for (const theme of THEMES) {
    const page = await CardPage.open(browser, { theme, width: 'mobile' });
    pages.set(theme, page);
    results.set(theme, await page.render(catalogue.entries));
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** The accessible names of the buttons of one rendered card, from chromium's accessibility tree. */
async function buttonNames(page: CardPage, id: string): Promise<string[]> {
  const snapshot = await page.page.locator(`[id="card-${id}"]`).ariaSnapshot();
  return [...snapshot.matchAll(/- button "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
}

describe.each(THEMES)('%s theme, mobile width (360 px)', (theme) => {
  it('renders every card without a parse, render or script error', () => {
    const rendered = results.get(theme) ?? [];
    expect(rendered.map((r) => r.id)).toEqual(catalogue.entries.map((e) => e.id));
    expect(rendered.filter((r) => r.errors.length > 0)).toEqual([]);
    expect(pages.get(theme)?.pageErrors).toEqual([]);
  });

  it('draws something for every card', async () => {
    const page = pages.get(theme) as CardPage;
    const heights = (await page.page.evaluate(
      `[...document.querySelectorAll('#cards > .frame')].map((f) => [f.id, f.getBoundingClientRect().height])`,
    )) as [string, number][];
    expect(heights).toHaveLength(catalogue.entries.length);
    expect(heights.filter(([, h]) => h < 40)).toEqual([]);
  });

  it('has no horizontal overflow in any card', async () => {
    const page = pages.get(theme) as CardPage;
    const overflowing: Record<string, string[]> = {};
    for (const entry of catalogue.entries) {
      const problems = await page.overflow(entry.id);
      if (problems.length > 0) overflowing[entry.id] = problems;
    }
    expect(overflowing).toEqual({});
  });

  it('gives every button on a card an accessible name of its own, as a screen reader hears it', async () => {
    const page = pages.get(theme) as CardPage;
    const shared: Record<string, string[]> = {};
    for (const entry of catalogue.entries) {
      const names = await buttonNames(page, entry.id);
      const twice = names.filter((name, i) => names.indexOf(name) !== i);
      if (twice.length > 0) shared[entry.id] = twice;
    }
    expect(shared).toEqual({});
  });

  it('has no serious or critical axe-core violation on the rendered cards', async () => {
    const page = pages.get(theme) as CardPage;
    expect(describeViolations(seriousOrCritical(await runAxe(page.page)))).toEqual([]);
  });
});

describe('desktop width (540 px)', () => {
  it('renders every card without error in both themes', async () => {
    for (const theme of THEMES) {
      const page = await CardPage.open(browser, { theme, width: 'desktop' });
      const rendered = await page.render(catalogue.entries);
      expect(rendered.filter((r) => r.errors.length > 0)).toEqual([]);
      expect(page.pageErrors).toEqual([]);
      // Nothing cut short either: a button title ending in "…" hides what it does ("Mark as d…").
      const clipped: Record<string, string[]> = {};
      for (const entry of catalogue.entries) {
        const problems = await page.overflow(entry.id);
        if (problems.length > 0) clipped[entry.id] = problems;
      }
      expect(clipped).toEqual({});
      await page.close();
    }
  });
});

describe('the gallery page', () => {
  it('has no serious or critical axe-core violation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gallery-'));
    try {
      const variants = WIDTHS.flatMap((width) => THEMES.map((theme) => ({ theme, width })));
      writeFileSync(join(dir, 'index.html'), indexHtml(catalogue.entries, variants, { serviceName: catalogue.content.service.name, generatedFrom: 'a test' }));
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(dir, 'index.html')).href);
      const imageCount = await page.locator('img').count();
      expect(imageCount).toBe(catalogue.entries.length * variants.length);
      expect(describeViolations(seriousOrCritical(await runAxe(page)))).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the checks catch faults', () => {
  const sample = (id: string, body: unknown[]) => ({
    id,
    section: 'test',
    title: id,
    templates: [],
    card: { type: 'AdaptiveCard' as const, version: '1.5', body },
  });

  it('reports an element the renderer does not know', async () => {
    const page = pages.get('light') as CardPage;
    const [result] = await page.render([sample('unknown-element', [{ type: 'Fancy', text: 'x' }])]);
    expect(result?.errors.join('\n')).toMatch(/Fancy/);
  });

  it('hears two buttons with one name on a card', async () => {
    const page = await CardPage.open(browser, { theme: 'light', width: 'mobile' });
    const twice = { type: 'ActionSet', actions: [{ type: 'Action.Submit', title: 'Mark as done' }, { type: 'Action.Submit', title: 'Mark as done' }] };
    await page.render([sample('same-names', [{ type: 'TextBlock', text: 'x' }, twice])]);
    expect(await buttonNames(page, 'same-names')).toEqual(['Mark as done', 'Mark as done']);
    await page.close();
  });

  it('axe-core finds an input without a label', async () => {
    const page = await CardPage.open(browser, { theme: 'light', width: 'mobile' });
    await page.render([sample('no-label', [{ type: 'Input.Text', id: 'addresses' }])]);
    const found = seriousOrCritical(await runAxe(page.page)).map((v) => v.id);
    expect(found).toContain('label');
    await page.close();
  });

  it('finds a card wider than the phone', async () => {
    const page = pages.get('light') as CardPage;
    const wide = {
      id: 'too-wide',
      section: 'test',
      title: 'A card with an unbreakable line',
      templates: [],
      card: {
        type: 'AdaptiveCard' as const,
        version: '1.5',
        body: [{ type: 'ColumnSet', columns: [{ type: 'Column', width: '500px', items: [{ type: 'TextBlock', text: 'wide' }] }] }],
      },
    };
    const [result] = await page.render([wide]);
    expect(result?.errors).toEqual([]);
    expect((await page.overflow('too-wide')).length).toBeGreaterThan(0);
    // Put the catalogue back for any test that runs after.
    await page.render(catalogue.entries);
  });
});
