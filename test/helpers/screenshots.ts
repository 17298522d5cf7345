/** Pictures of the tabs for the README: written only when TAB_SCREENSHOTS names a folder (npm run screenshots:tabs). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';

/** Saves the page as <TAB_SCREENSHOTS>/<name>.png; with a tab frame, the window grows to show the whole tab (up to maxHeight). */
export async function saveScreenshot(page: Page, name: string, tab?: Frame, maxHeight = 1500): Promise<void> {
  const dir = process.env['TAB_SCREENSHOTS'];
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const viewport = page.viewportSize();
  if (tab && viewport) {
    await tab.evaluate(() => window.scrollTo(0, 0));
    const height = await tab.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.min(height, maxHeight)) });
  }
  await page.screenshot({ path: join(dir, `${name}.png`) });
  if (tab && viewport) await page.setViewportSize(viewport);
}
