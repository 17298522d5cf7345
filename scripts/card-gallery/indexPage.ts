/** The gallery's index.html: every card of the catalogue in each theme and width, grouped by section. */
import type { CatalogueEntry } from '../../src/cards/catalogue';
import type { Variant } from './browser';
import { CARD_WIDTH } from './theme';

const SECTION_TITLES: Readonly<Record<string, string>> = {
  journey: 'The welcome journey',
  notices: 'Notices (cards/copy.json)',
  privacy: 'Forget me and my data',
  admin: 'Local Administrator cards',
  answers: 'Answers to questions',
  reminders: 'Reminders',
};

/** File name of one render. */
export function pngName(id: string, variant: Variant): string {
  return `${id}.${variant.theme}.${variant.width}.png`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface IndexOptions {
  readonly serviceName: string;
  readonly generatedFrom: string;
}

/** The page; images live next to it (png/), card JSON under json/. */
export function indexHtml(entries: readonly CatalogueEntry[], variants: readonly Variant[], options: IndexOptions): string {
  const sections = [...new Set(entries.map((e) => e.section))];
  const nav = sections
    .map((s) => `<li><a href="#section-${s}">${escapeHtml(SECTION_TITLES[s] ?? s)}</a> (${entries.filter((e) => e.section === s).length})</li>`)
    .join('\n');
  const body = sections
    .map((section) => {
      const cards = entries
        .filter((e) => e.section === section)
        .map((entry) => {
          const figures = variants
            .map((v) => {
              const label = `${v.theme} theme, ${v.width} (${CARD_WIDTH[v.width]} px)`;
              return (
                `<figure class="${v.theme}"><a href="png/${pngName(entry.id, v)}">` +
                `<img src="png/${pngName(entry.id, v)}" alt="${escapeHtml(`${entry.title}: ${label}`)}" width="${CARD_WIDTH[v.width] + 2}" loading="lazy"></a>` +
                `<figcaption>${escapeHtml(label)}</figcaption></figure>`
              );
            })
            .join('\n');
          return (
            `<article id="${entry.id}" aria-labelledby="title-${entry.id}">` +
            `<h3 id="title-${entry.id}">${escapeHtml(entry.title)}</h3>` +
            `<p class="meta">Entry <code>${entry.id}</code>, template${entry.templates.length === 1 ? '' : 's'} ` +
            `${entry.templates.map((t) => `<code>cards/templates/${escapeHtml(t)}.json</code>`).join(', ')}, ` +
            `<a href="json/${entry.id}.json">card JSON</a></p>` +
            `<div class="figures">${figures}</div></article>`
          );
        })
        .join('\n');
      return `<section id="section-${section}" aria-labelledby="heading-${section}"><h2 id="heading-${section}">${escapeHtml(SECTION_TITLES[section] ?? section)}</h2>\n${cards}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.serviceName)} welcome bot: card gallery</title>
<style>
  body { font-family: 'Segoe UI', 'Liberation Sans', 'DejaVu Sans', sans-serif; margin: 0; color: #242424; background: #ffffff; line-height: 1.4; }
  header, main, footer { padding: 0 24px; }
  h1 { font-size: 28px; margin: 24px 0 8px; }
  h2 { font-size: 22px; margin: 40px 0 8px; border-bottom: 1px solid #d1d1d1; padding-bottom: 4px; }
  h3 { font-size: 17px; margin: 28px 0 4px; }
  .meta { margin: 0 0 8px; color: #4a4a4a; font-size: 14px; }
  a { color: #0b5cad; }
  .figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
  figure { margin: 0; padding: 8px; border-radius: 6px; }
  figure.light { background: #f5f5f5; }
  figure.dark { background: #1f1f1f; }
  figure.dark figcaption { color: #ffffff; }
  figcaption { font-size: 13px; margin-top: 4px; }
  img { display: block; max-width: 100%; height: auto; }
  code { font-family: 'Liberation Mono', 'DejaVu Sans Mono', monospace; font-size: 13px; }
</style>
</head>
<body>
<header>
<h1>${escapeHtml(options.serviceName)} welcome bot: every card it sends</h1>
<p>${entries.length} cards, each drawn in the light and dark themes at desktop (${CARD_WIDTH.desktop} px) and mobile (${CARD_WIDTH.mobile} px) widths
by the <code>adaptivecards</code> renderer with a Teams-like host config. Teams draws cards with its own renderer, so treat these as close previews.
Made by <code>npm run cards:render</code> from ${escapeHtml(options.generatedFrom)}.</p>
<nav aria-label="Sections"><ul>
${nav}
</ul></nav>
</header>
<main>
${body}
</main>
<footer><p>How to change a card: docs/cards.md.</p></footer>
</body>
</html>
`;
}
