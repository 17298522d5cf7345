/**
 * Renders catalogue cards with the adaptivecards JS renderer inside Debian's chromium (playwright-core),
 * for the gallery script and the browser test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CatalogueEntry } from '../../src/cards/catalogue';
import { CARD_WIDTH, hostConfig, themeCss, type Theme, type Width } from './theme';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ROOT = join(__dirname, '..', '..');
const ADAPTIVECARDS_JS = join(ROOT, 'node_modules', 'adaptivecards', 'dist', 'adaptivecards.min.js');
const AXE_JS = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const PAGE_JS = join(__dirname, 'page.js');

/** Starts Debian's headless chromium with no network features (nothing here may reach the internet); the tests use it too. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** One rendering: a theme at a width. */
export interface Variant {
  readonly theme: Theme;
  readonly width: Width;
}

export interface RenderResult {
  readonly id: string;
  /** Parse events, render exceptions, script errors. */
  readonly errors: string[];
}

/** A page that renders cards in one theme at one width. Page script errors are collected too. */
export class CardPage {
  readonly pageErrors: string[] = [];

  private constructor(
    readonly page: Page,
    readonly variant: Variant,
  ) {}

  static async open(browser: Browser, variant: Variant): Promise<CardPage> {
    const page = await browser.newPage({ viewport: { width: CARD_WIDTH[variant.width] + 64, height: 800 }, deviceScaleFactor: 1 });
    const cardPage = new CardPage(page, variant);
    page.on('pageerror', (error) => cardPage.pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') cardPage.pageErrors.push(`console error: ${message.text()}`);
    });
    // Nothing may load from the network: every request other than the page itself is refused.
    await page.route(/^(?!data:|about:)/, (route) => route.abort());
    await page.setContent(
      `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Cards, ${variant.theme} theme, ${variant.width}</title></head>` +
        `<body class="theme-${variant.theme}"><main><h1 class="visually-hidden">Cards, ${variant.theme} theme, ${variant.width} width</h1><div id="cards"></div></main></body></html>`,
    );
    await page.addStyleTag({ content: `${themeCss(variant.theme)} .visually-hidden { position: absolute; left: -10000px; }` });
    await page.addScriptTag({ path: ADAPTIVECARDS_JS });
    await page.addScriptTag({ path: PAGE_JS });
    return cardPage;
  }

  /** Renders the entries (replacing what was there) and returns each card's errors. */
  async render(entries: readonly CatalogueEntry[]): Promise<RenderResult[]> {
    const request = {
      width: CARD_WIDTH[this.variant.width],
      hostConfig: hostConfig(this.variant.theme, this.variant.width),
      cards: entries.map((e) => ({ id: e.id, title: e.title, card: e.card })),
    };
    return (await this.page.evaluate(`window.galleryRender(${JSON.stringify(request)})`)) as RenderResult[];
  }

  /** Elements of a rendered card wider than their box. */
  async overflow(id: string): Promise<string[]> {
    return (await this.page.evaluate(`window.galleryOverflow(${JSON.stringify(id)})`)) as string[];
  }

  /** A PNG of one rendered card, frame included. */
  async screenshot(id: string, path: string): Promise<void> {
    await this.page.locator(`#card-${id}`).screenshot({ path, animations: 'disabled' });
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.1 A/AA and best practice) on a page; returns the violations. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_JS });
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })`,
  )) as { violations: AxeViolation[] };
  return result.violations;
}

/** Only the violations a test fails on. */
export function seriousOrCritical(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One line per violation and node, for a failure message. */
export function describeViolations(violations: readonly AxeViolation[]): string[] {
  return violations.flatMap((v) => v.nodes.map((n) => `${v.impact ?? '?'} ${v.id} (${v.help}) at ${JSON.stringify(n.target)}`));
}
