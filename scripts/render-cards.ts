/**
 * npm run cards:render: draws every card the bot can send (the card catalogue) with the adaptivecards
 * renderer in Debian's chromium, light and dark, desktop and mobile, into build/gallery/png/*.png, with the
 * card JSON in build/gallery/json/ and one page listing them all: build/gallery/index.html.
 *
 *   npm run cards:render                  every card
 *   npm run cards:render -- step help     only entries whose id contains one of the words
 *   GALLERY_DIR=/tmp/g npm run cards:render
 *
 * Exits 1 if a card fails to render, or a render is wider than its width or cuts text short (a clipped button
 * title), on a phone or on desktop.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCatalogue } from '../src/cards/catalogue';
import { CardPage, launchChromium, type Variant } from './card-gallery/browser';
import { indexHtml, pngName } from './card-gallery/indexPage';
import { THEMES, WIDTHS } from './card-gallery/theme';

async function main(): Promise<number> {
  const outDir = resolve(process.env.GALLERY_DIR ?? join('build', 'gallery'));
  const filters = process.argv.slice(2);
  const catalogue = buildCatalogue();
  const entries = catalogue.entries.filter((e) => filters.length === 0 || filters.some((f) => e.id.includes(f)));
  if (entries.length === 0) {
    console.error(`no card id contains ${filters.join(' or ')}`);
    return 1;
  }
  if (catalogue.uncovered.length > 0) {
    console.warn(`warning: no catalogue entry renders ${catalogue.uncovered.join(', ')} (add a section in src/cards/catalogue.ts)`);
  }

  // Only what this script writes is replaced, in case GALLERY_DIR points somewhere with other files.
  for (const own of ['png', 'json', 'index.html']) rmSync(join(outDir, own), { recursive: true, force: true });
  mkdirSync(join(outDir, 'png'), { recursive: true });
  mkdirSync(join(outDir, 'json'), { recursive: true });
  for (const entry of entries) writeFileSync(join(outDir, 'json', `${entry.id}.json`), `${JSON.stringify(entry.card, null, 2)}\n`);

  const variants: Variant[] = WIDTHS.flatMap((width) => THEMES.map((theme) => ({ theme, width })));
  const faults: string[] = [];
  const browser = await launchChromium();
  try {
    for (const variant of variants) {
      const page = await CardPage.open(browser, variant);
      const results = await page.render(entries);
      for (const result of results) {
        for (const error of result.errors) faults.push(`${result.id} (${variant.theme}, ${variant.width}): ${error}`);
        for (const problem of await page.overflow(result.id)) faults.push(`${result.id} (${variant.theme}, ${variant.width}): overflows: ${problem}`);
        await page.screenshot(result.id, join(outDir, 'png', pngName(result.id, variant)));
      }
      faults.push(...page.pageErrors.map((e) => `${variant.theme}, ${variant.width}: ${e}`));
      await page.close();
      console.log(`${variant.theme} ${variant.width}: ${results.length} cards`);
    }
  } finally {
    await browser.close();
  }

  writeFileSync(
    join(outDir, 'index.html'),
    indexHtml(entries, variants, { serviceName: catalogue.content.service.name, generatedFrom: 'cards/ and src/cards/catalogue.ts' }),
  );
  console.log(`${entries.length} cards, ${entries.length * variants.length} images: ${join(outDir, 'index.html')}`);
  for (const fault of faults) console.error(fault);
  return faults.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
