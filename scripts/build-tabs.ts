/**
 * Builds the two Teams tabs into build/tabs/ (served by the bot at /tabs/*, see src/server/tabRoutes.ts):
 * checklist.html and starters.html (written from cards/tabs.json), checklist.js and starters.js (esbuild bundles of
 * src/tabs/web with @microsoft/teams-js), and tabs.css.
 *
 *   npm run build:tabs        (also part of npm run build)
 *
 * Tests call buildTabs() with their own output folder.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { tabCopySchema, type TabCopy } from '../src/tabs/tabCopy';

const ROOT = resolve(__dirname, '..');
const WEB = join(ROOT, 'src', 'tabs', 'web');

/** The pages: entity ids of the manifest's static tabs (src/manifest/buildManifest.ts TABS). */
export const TAB_PAGES = ['checklist', 'starters'] as const;
export type TabPage = (typeof TAB_PAGES)[number];

export interface BuildTabsOptions {
  /** Output folder (default build/tabs). It is emptied first. */
  readonly outDir?: string;
  /** Folder holding tabs.json (default cards/). */
  readonly contentDir?: string;
  readonly minify?: boolean;
}

/** Reads and checks cards/tabs.json, naming the first fault. */
export function readTabCopy(contentDir: string = join(ROOT, 'cards')): TabCopy {
  const file = join(contentDir, 'tabs.json');
  const parsed = tabCopySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`tabs.json at ${(issue?.path ?? []).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/**
 * A page's HTML: heading, live regions and the loading line; the script fills #content. No inline script or style.
 * The status region is for screen readers only: everything it says is also shown where it happened.
 */
export function pageHtml(page: TabPage, copy: TabCopy): string {
  const words = copy[page];
  const outside = copy.common.outsideTeams;
  return `<!doctype html>
<html lang="en-GB" data-theme="default">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(words.documentTitle)}</title>
<link rel="stylesheet" href="tabs.css">
<script src="${page}.js" defer></script>
</head>
<body>
<main id="main" aria-busy="true" aria-labelledby="page-heading">
<h1 id="page-heading">${escapeHtml(words.heading)}</h1>
<p id="status" class="visually-hidden" role="status" aria-live="polite"></p>
<p id="alert" class="alert" role="alert" hidden></p>
<div id="content"><p class="loading">${escapeHtml(words.loading)}</p></div>
<noscript><section class="card"><h2>${escapeHtml(outside.title)}</h2>${outside.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</section></noscript>
</main>
</body>
</html>
`;
}

/** Builds every tab into outDir; resolves the files written. */
export async function buildTabs(options: BuildTabsOptions = {}): Promise<string[]> {
  const outDir = options.outDir ?? join(ROOT, 'build', 'tabs');
  const copy = readTabCopy(options.contentDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(TAB_PAGES.map((page) => [page, join(WEB, `${page}.ts`)])),
    outdir: outDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // Teams' desktop and web clients run current Chromium/Edge; the mobile apps use the system web view.
    target: ['chrome109', 'edge109', 'safari15', 'firefox115'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'silent',
  });
  copyFileSync(join(WEB, 'tabs.css'), join(outDir, 'tabs.css'));
  const written = ['tabs.css'];
  for (const page of TAB_PAGES) {
    writeFileSync(join(outDir, `${page}.html`), pageHtml(page, copy));
    written.push(`${page}.html`, `${page}.js`);
  }
  return written;
}

if (require.main === module) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
  buildTabs({ ...(outDir ? { outDir } : {}) }).then(
    (files) => console.log(`Tabs built into ${outDir ?? 'build/tabs'}: ${files.join(', ')}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
