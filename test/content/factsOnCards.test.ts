/**
 * Every address, phone number and email address a card shows comes from the seed email or the facts
 * (docs/sources/, copies of ../shared/seed and ../shared/facts), through the data under cards/: checked on the cards
 * as rendered (every card of the catalogue), not only in the data files, so a number or link typed into an answer's
 * text is caught as surely as one in links.json. And a link marked verified is one the facts mark verified.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalogue } from '../../src/cards/catalogue';

const ROOT = join(__dirname, '..', '..');
const seed = readFileSync(join(ROOT, 'docs', 'sources', 'welcome-email.txt'), 'utf8');
const sources = [seed, readFileSync(join(ROOT, 'docs', 'sources', 'nhsmail-facts.md'), 'utf8')].join('\n');
const catalogue = buildCatalogue();
const linksFile = JSON.parse(readFileSync(join(ROOT, 'cards', 'links.json'), 'utf8')) as {
  links: Record<string, { url: string; verified: boolean; title: string }>;
};

/** Every string in a card: texts, titles, URLs, data (not the schema it declares, which no user sees). */
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const n of node) strings(n, out);
  else if (typeof node === 'object' && node !== null) for (const [k, v] of Object.entries(node)) if (k !== '$schema') strings(v, out);
  return out;
}

const URL_PATTERN = /https?:\/\/[^\s)\]"'<>]+/g;
/** UK numbers as the cards write them: 0333 200 1133, 0300 123 4567, 020 7946 0000, 07700 900000. */
const PHONE_PATTERN = /(?<![\d/.-])0\d{2,4}(?: ?\d){6,8}(?![\d/-])/g;
const EMAIL_PATTERN = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

const digits = (s: string): string => s.replace(/\D/g, '');
const sourceDigits = sources.replace(/[ \u00a0]/g, '');
/**
 * The catalogue's sample starters on the LA cards (src/cards/catalogue.ts: names, numbered, and one address in a
 * domain the push refuses, at the reserved example.com): a person's address, not a fact the service gives.
 */
const SAMPLE_STARTER = /^(jane\.doe|sam\.smith|alex\.jones|chris\.patel|morgan\.lee|taylor\.brown|jordan\.evans)\d*@nhs\.net$|@example\.com$/;
/** Addresses the code builds itself, not content: the Teams deep link to the New starters tab (docs/tabs.md). */
const BUILT = [/^https:\/\/teams\.microsoft\.com\/l\/entity\//];

/** What a card shows that no source says, as "card: what". */
function unsourced(): string[] {
  const known = new Set(Object.values(linksFile.links).map((l) => l.url));
  const found: string[] = [];
  for (const entry of catalogue.entries) {
    const text = strings(entry.card).join('\n');
    for (const url of text.match(URL_PATTERN) ?? []) {
      if (!known.has(url) && !BUILT.some((b) => b.test(url))) found.push(`${entry.id}: ${url}`);
    }
    for (const phone of text.match(PHONE_PATTERN) ?? []) if (!sourceDigits.includes(digits(phone))) found.push(`${entry.id}: ${phone}`);
    for (const email of text.match(EMAIL_PATTERN) ?? []) {
      if (SAMPLE_STARTER.test(email)) continue;
      if (!sources.includes(email)) found.push(`${entry.id}: ${email}`);
    }
  }
  return [...new Set(found)];
}

describe('facts on the cards', () => {
  it('shows no address, phone number or email address that the seed or the facts do not give', () => {
    expect(unsourced()).toEqual([]);
  });

  it('finds what it looks for (the check is not empty)', () => {
    const all = catalogue.entries.map((e) => strings(e.card).join('\n')).join('\n');
    expect(all.match(PHONE_PATTERN)?.map(digits)).toContain('03332001133');
    expect(all).toContain('helpdesk@nhs.net');
    expect((all.match(URL_PATTERN) ?? []).length).toBeGreaterThan(20);
  });

  it('marks a link verified only where the facts mark its page verified, and sends every other to the knowledge base', () => {
    const problems: string[] = [];
    const knowledgeBase = linksFile.links['knowledgeBase']?.url;
    for (const [id, link] of Object.entries(linksFile.links)) {
      if (!link.verified) {
        if (link.url !== knowledgeBase) problems.push(`${id}: unverified, yet not the knowledge base`);
        continue;
      }
      // A verified link names its own page: one that opens the knowledge base is an unverified page in disguise
      // (its button would not say that it opens a search).
      if (id !== 'knowledgeBase' && link.url === knowledgeBase) problems.push(`${id}: marked verified, but opens the knowledge base`);
      // The facts write some addresses without https://; the label is the one right after the address ("… [V]"), or
      // else its line's (an address quoted from a verified page); the seed email's own addresses need none.
      const bare = link.url.replace(/^https:\/\//, '').replace(/\/$/, '');
      const at = sources.indexOf(bare);
      const line = at < 0 ? '' : sources.slice(sources.lastIndexOf('\n', at) + 1, sources.indexOf('\n', at) < 0 ? undefined : sources.indexOf('\n', at));
      const after = at < 0 ? '' : sources.slice(at + bare.length, at + bare.length + 8);
      const label = (/^\/?\s*\[(V3?|U)\b/.exec(after) ?? /\[(V3?|U)\b/.exec(line))?.[1];
      const inSeed = seed.includes(link.url);
      if (at < 0) problems.push(`${id}: ${link.url} is in neither the seed nor the facts`);
      else if (!inSeed && label !== 'V' && label !== 'V3') problems.push(`${id}: ${link.url} is labelled ${label ?? 'nothing'} in the facts`);
    }
    expect(problems).toEqual([]);
  });
});
