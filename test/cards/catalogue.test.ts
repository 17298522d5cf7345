import { readdirSync } from 'node:fs';
import { cardText } from '../helpers/cardText';
import { STATUS_TEXT } from '../../src/admin/adminCards';
import { buildCatalogue, journeySection, SECTIONS } from '../../src/cards/catalogue';
import { NOTICE_KEYS } from '../../src/content/schema';
import {
  actionTitleProblems,
  cardProblems,
  colourOnlyProblems,
  httpsProblems,
  imageAltProblems,
  sdkProblems,
  sizeProblems,
  textTypeProblems,
  versionProblems,
} from '../../src/cards/cardRules';

const catalogue = buildCatalogue();

describe('card catalogue', () => {
  it('renders every template in cards/templates/ in at least one entry', () => {
    const files = readdirSync('cards/templates')
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    expect(catalogue.templates).toEqual(files);
    // A template listed here is a card the gallery and these tests never see: add its section to SECTIONS.
    expect(catalogue.uncovered).toEqual([]);
  });

  it('reports a template no entry renders', () => {
    const journeyOnly = buildCatalogue({ sections: { journey: journeySection } });
    expect(journeyOnly.uncovered).toEqual(expect.arrayContaining(['la-home', 'notice', 'push-summary', 'starters', 'my-data', 'forget-confirm']));
    expect(journeyOnly.uncovered).not.toContain('step');
  });

  it('has each journey step fresh and completed', () => {
    const ids = catalogue.entries.map((e) => e.id);
    catalogue.content.journey.steps.forEach((step, i) => {
      expect(ids).toContain(`step-${i + 1}-${step.id}-fresh`);
      expect(ids).toContain(`step-${i + 1}-${step.id}-completed`);
    });
    const completed = catalogue.entries.find((e) => e.id === 'step-2-getting-started-completed');
    const fresh = catalogue.entries.find((e) => e.id === 'step-2-getting-started-fresh');
    expect(JSON.stringify(completed?.card)).toContain('✓ Done on');
    expect(JSON.stringify(fresh?.card)).not.toContain('✓ Done on');
  });

  it('has a card for every notice key and every delivery state of a push', () => {
    const ids = catalogue.entries.map((e) => e.id);
    const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
    for (const key of NOTICE_KEYS) expect(ids).toContain(`notice-${kebab(key)}`);
    for (const status of Object.keys(STATUS_TEXT)) expect(ids).toContain(`push-summary-${kebab(status)}`);
    for (const id of ['checklist-fresh', 'complete', 'help', 'forget-confirm', 'my-data', 'group-intro', 'la-home', 'starters']) expect(ids).toContain(id);
  });

  it('names each entry uniquely, in a section the catalogue defines', () => {
    const ids = catalogue.entries.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of catalogue.entries) expect(Object.keys(SECTIONS)).toContain(entry.section);
  });

  it('refuses duplicate ids and names the card that could not be built', () => {
    const card = catalogue.entries[0]?.card;
    if (!card) throw new Error('empty catalogue');
    expect(() =>
      buildCatalogue({ sections: { a: () => [{ id: 'same', title: 'x', build: () => card }, { id: 'same', title: 'y', build: () => card }] } }),
    ).toThrow(/duplicate id "same"/);
    expect(() =>
      buildCatalogue({ sections: { a: ({ renderer }) => [{ id: 'broken', title: 'x', build: () => renderer.render('no-such-template', {}) }] } }),
    ).toThrow(/"broken" could not be built: unknown card template/);
  });
});

describe.each(catalogue.entries.map((e) => [e.id, e] as const))('card %s', (_id, entry) => {
  it('parses with the adaptivecards SDK without events, declares 1.5 or lower and fits 28 KB', () => {
    expect(sdkProblems(entry.card)).toEqual([]);
    expect(versionProblems(entry.card)).toEqual([]);
    expect(sizeProblems(entry.card)).toEqual([]);
  });

  it('titles every action, gives every text as text, describes every image, never relies on colour alone, links only https', () => {
    expect(cardProblems(entry.card)).toEqual([]);
  });
});

describe('must-do actions', () => {
  const mustDo = catalogue.content.journey.steps.flatMap((s) => s.actions.filter((a) => a.mustDo).map((a) => a.title));
  /** Every text a card shows, one per line (button titles in brackets). */
  const textLines = (card: unknown): string[] => cardText(card).split('\n');

  it('are said to be must-do in words wherever a card names one (never by colour or weight alone)', () => {
    const unsaid: string[] = [];
    for (const entry of catalogue.entries) {
      for (const line of textLines(entry.card)) {
        for (const title of mustDo) if (line === title || line.endsWith(`: ${title}`) && !/must do\)?: /i.test(line)) unsaid.push(`${entry.id}: "${line}"`);
      }
    }
    expect(unsaid).toEqual([]);
    // Not an empty check: the checklist names all three, each as must-do.
    const checklist = textLines(catalogue.entries.find((e) => e.id === 'checklist-fresh')?.card);
    for (const title of mustDo) expect(checklist).toContain(`Must do: ${title}`);
  });
});

describe('the card rules catch what they are for', () => {
  const base = { type: 'AdaptiveCard', version: '1.5' };

  it('SDK: an unknown element, a missing required property, an element newer than 1.5, an input without id', () => {
    expect(sdkProblems({ ...base, body: [{ type: 'Fancy' }] }).join('\n')).toMatch(/Fancy/);
    expect(sdkProblems({ ...base, body: [], actions: [{ type: 'Action.OpenUrl', title: 'x' }] })).toEqual(['SDK validation: Property "url" must be set.']);
    expect(sdkProblems({ ...base, body: [{ type: 'Carousel', pages: [] }] }).join('\n')).toMatch(/Carousel/);
    expect(sdkProblems({ ...base, body: [{ type: 'Input.Text' }] }).length).toBeGreaterThan(0);
    expect(sdkProblems({ ...base, body: [{ type: 'TextBlock', text: 'x' }] })).toEqual([]);
  });

  it('version and size', () => {
    expect(versionProblems({ ...base, version: '1.6' })).toHaveLength(1);
    expect(versionProblems({ ...base, version: 'one' })).toHaveLength(1);
    expect(versionProblems(base)).toEqual([]);
    expect(sizeProblems({ ...base, body: [{ type: 'TextBlock', text: 'x'.repeat(29 * 1024) }] })).toHaveLength(1);
  });

  it('untitled actions, including fallbacks, and images without alt text', () => {
    const card = {
      ...base,
      body: [{ type: 'Image', url: 'https://support.nhs.net/x.png' }],
      actions: [{ type: 'Action.Execute', verb: 'x', title: 'Go', fallback: { type: 'Action.Submit' } }],
    };
    expect(actionTitleProblems(card)).toEqual(['$.actions[0].fallback: Action.Submit has no title']);
    expect(imageAltProblems(card)).toEqual(['$.body[0]: Image has no altText']);
  });

  it('colour as the only carrier of meaning', () => {
    const red = { ...base, body: [{ type: 'TextBlock', text: 'jane.doe@nhs.net', color: 'attention' }] };
    const redSaid = { ...base, body: [{ type: 'TextBlock', text: 'jane.doe@nhs.net: not delivered', color: 'Attention' }] };
    const green = { ...base, body: [{ type: 'Container', style: 'good', items: [{ type: 'TextBlock', text: 'Account secret' }] }] };
    const greenSaid = { ...base, body: [{ type: 'Container', style: 'good', items: [{ type: 'TextBlock', text: '✓ Account secret' }] }] };
    expect(colourOnlyProblems(red)).toHaveLength(1);
    expect(colourOnlyProblems(redSaid)).toEqual([]);
    expect(colourOnlyProblems(green)).toHaveLength(1);
    expect(colourOnlyProblems(greenSaid)).toEqual([]);
  });

  it('http links, images and markdown links', () => {
    const card = {
      ...base,
      body: [
        { type: 'Image', url: 'http://example.org/a.png', altText: 'a' },
        { type: 'TextBlock', text: 'See [the page](http://support.nhs.net/) or [email](mailto:helpdesk@nhs.net)' },
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'Open', url: 'https://support.nhs.net/' }],
    };
    expect(httpsProblems(card)).toEqual(['$.body[0].url: http://example.org/a.png is not https', '$.body[1].text: link http://support.nhs.net/ is not https']);
  });

  it('numbers where the renderer needs text', () => {
    const card = {
      ...base,
      body: [
        { type: 'FactSet', facts: [{ title: 'Delivered', value: 3 }, { title: 'Failed', value: '0' }] },
        { type: 'TextBlock', text: 18 },
      ],
    };
    expect(textTypeProblems(card)).toEqual(['$.body[0].facts[0].value is a number, not text', '$.body[1].text is a number, not text']);
  });
});
