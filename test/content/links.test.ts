import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardRenderer } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { ContentError } from '../../src/content/errors';
import { loadContent } from '../../src/content/load';
import { IntentAnswerer } from '../../src/intents/answerer';
import { startProgress } from '../../src/journey/progress';
import { tempDataDir } from '../helpers/botHarness';
import { ROOT, spawnBot } from '../helpers/botProcess';

const CARDS = join(ROOT, 'cards');
const COPYCAT = 'https://987715.ixgpkh.asia/knowledge-base/';

/** Every Action.OpenUrl on a card: its title and URL. */
function openUrls(card: unknown): { title: string; url: string }[] {
  const out: { title: string; url: string }[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (typeof n !== 'object' || n === null) return;
    const o = n as Record<string, unknown>;
    if (o['type'] === 'Action.OpenUrl') out.push({ title: String(o['title']), url: String(o['url']) });
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

/** Every card a starter can see: each step, each answer. */
function starterCards(content: ReturnType<typeof loadContent>): unknown[] {
  const renderer = new CardRenderer(content.templates);
  const progress = startProgress(content.journey, { kind: 'self' }, new Date('2026-01-01T00:00:00Z'));
  const journey = new JourneyCards(content, renderer);
  const answerer = new IntentAnswerer(content.intents, renderer);
  return [...content.journey.steps.map((s) => journey.step(progress, s.id, { userId: '29:starter' })), ...answerer.allCards(progress).map((c) => c.card)];
}

function loadError(run: () => unknown): ContentError {
  try {
    run();
  } catch (error) {
    if (error instanceof ContentError) return error;
    throw error;
  }
  throw new Error('content loaded');
}

describe('buttons say what they open', () => {
  it('names an unverified page by what it opens, the Support Site, until an override names the real page', () => {
    const content = loadContent(CARDS);
    const status = content.intents.answers.get('service-status')?.links.find((l) => l.id === 'serviceStatus');
    expect(status).toEqual({ id: 'serviceStatus', url: 'https://support.nhs.net/knowledge-base/', title: 'Search the NHSmail Support Site' });
    const titles = starterCards(content)
      .flatMap(openUrls)
      .map((b) => b.title);
    for (const misleading of [
      'Service status',
      'Transparency and Fair Processing',
      'Outlook Web App learning series',
      'Portal learning guides',
      'Communications',
      'Policy and guidance',
    ]) {
      expect(titles).not.toContain(misleading);
    }

    const overridden = loadContent(CARDS, { linkOverrides: { serviceStatus: 'https://support.nhs.net/service-status/' } });
    expect(overridden.links['serviceStatus']).toEqual({ id: 'serviceStatus', url: 'https://support.nhs.net/service-status/', title: 'Service status' });
    expect(loadContent(CARDS, { serviceName: 'NHS.net Connect' }).links['serviceStatus']?.title).toBe('Search the NHS.net Connect Support Site');
  });

  it('refuses an override off the allow-list (the copycat mirror of support.nhs.net) or not https', () => {
    const copycat = loadError(() => loadContent(CARDS, { linkOverrides: { serviceStatus: COPYCAT } }));
    expect(copycat.file).toBe('LINK_OVERRIDES');
    expect(copycat.path).toBe('serviceStatus');
    expect(copycat.fault).toMatch(/^host 987715\.ixgpkh\.asia is not on the allow-list/);
    expect(loadError(() => loadContent(CARDS, { linkOverrides: { portal: 'http://portal.nhs.net/' } })).fault).toMatch(/^must be an https URL/);
  });

  it('refuses to start with an override off the allow-list, in one clear line', async () => {
    const child = spawnBot({ PORT: '0', DATA_DIR: tempDataDir(), LINK_OVERRIDES: JSON.stringify({ serviceStatus: COPYCAT }) }, tmpdir());
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('Content error: LINK_OVERRIDES at serviceStatus: host 987715.ixgpkh.asia is not on the allow-list');
  });
});

describe('procedures for Local Administrators', () => {
  it('are marked as such and never shown on a starter’s card', () => {
    const links = (JSON.parse(readFileSync(join(CARDS, 'links.json'), 'utf8')) as { links: Record<string, { url: string; title: string; audience?: string }> })
      .links;
    const forLas = Object.values(links).filter((l) => l.audience === 'la');
    expect(forLas.map((l) => l.url).sort()).toEqual([
      'https://support.nhs.net/knowledge-base/creating-a-shared-mailbox/',
      'https://support.nhs.net/knowledge-base/marking-a-user-as-a-leaver/',
    ]);
    for (const link of forLas) expect(link.title).toMatch(/^For LAs: /);
    const shown = starterCards(loadContent(CARDS))
      .flatMap(openUrls)
      .map((b) => b.url);
    for (const link of forLas) expect(shown).not.toContain(link.url);
  });

  it('are refused in the journey or the answers, naming file, path and fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'content-'));
    cpSync(CARDS, dir, { recursive: true });
    const file = join(dir, 'intents.json');
    const intents = JSON.parse(readFileSync(file, 'utf8')) as { intents: { id: string; answer: { links: string[] } }[] };
    intents.intents.find((i) => i.id === 'shared-mailbox')?.answer.links.push('sharedMailboxCreate');
    writeFileSync(file, JSON.stringify(intents));
    expect(loadError(() => loadContent(dir)).message).toMatch(
      /^intents\.json at intents\[\d+\]\.answer\.links\[2\]: "sharedMailboxCreate" is a procedure for Local Administrators, not for starters$/,
    );
  });
});
