/**
 * The renderer keeps the cards it last expanded (by template and data): a card seen again is the same card a fresh
 * expansion gives, it cannot be changed by whoever holds it, and the number kept is bounded.
 */
import { join } from 'node:path';
import { CardRenderer, type RenderOptions } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { loadContent } from '../../src/content/load';
import { startProgress } from '../../src/journey/progress';
import { walkJourneyCards } from '../helpers/journeyCards';

const content = loadContent(join(__dirname, '..', '..', 'cards'));

/** Every render call a set of real cards makes: template, data and options. */
class CapturingRenderer extends CardRenderer {
  readonly calls: [string, object, RenderOptions][] = [];
  override render(name: string, data: object, options: RenderOptions = {}) {
    this.calls.push([name, data, options]);
    return super.render(name, data, options);
  }
}

function realRenderCalls(): [string, object, RenderOptions][] {
  const renderer = new CapturingRenderer(content.templates, 0);
  walkJourneyCards(content, renderer);
  return renderer.calls;
}

describe('cards kept by the renderer', () => {
  const calls = realRenderCalls();

  it('are, seen again, exactly what a fresh expansion gives, for every step, checklist and answer card', () => {
    expect(calls.length).toBeGreaterThan(40);
    const fresh = new CardRenderer(content.templates, 0);
    const keeping = new CardRenderer(content.templates);
    for (const [name, data, options] of calls) {
      const expected = fresh.render(name, data, options);
      expect(keeping.render(name, data, options)).toEqual(expected); // expanded, and kept
      expect(keeping.render(name, data, options)).toEqual(expected); // kept
    }
  });

  it('tell users apart: the same card for two starters refreshes for each of them', () => {
    const keeping = new CardRenderer(content.templates);
    const cards = new JourneyCards(content, keeping);
    const progress = startProgress(content.journey, { kind: 'self' }, new Date());
    const first = cards.step(progress, progress.stepId, { userId: '29:first' });
    const second = cards.step(progress, progress.stepId, { userId: '29:second' });
    expect(first.refresh).toMatchObject({ userIds: ['29:first'] });
    expect(second.refresh).toMatchObject({ userIds: ['29:second'] });
  });

  it('cannot be changed by whoever holds one', () => {
    const keeping = new CardRenderer(content.templates);
    const [name, data, options] = calls[0] ?? ['notice', {}, {}];
    const card = keeping.render(name, data, options) as unknown as { body: { text?: string }[] };
    expect(() => {
      (card.body[0] as { text?: string }).text = 'changed';
    }).toThrow(TypeError);
    expect(keeping.render(name, data, options)).toEqual(new CardRenderer(content.templates, 0).render(name, data, options));
  });

  it('are at most as many as it was given, the least recently used expanded again', () => {
    // A kept card is the same object again; an expanded one is a new object with the same content.
    const keeping = new CardRenderer(content.templates, 2);
    const distinct = [...new Map(calls.map((c) => [`${c[0]} ${JSON.stringify(c[1])}`, c])).values()];
    const three = distinct.slice(0, 3);
    const first = three.map(([name, data]) => keeping.render(name, data));
    expect(keeping.render(three[2]![0], three[2]![1])).toBe(first[2]); // kept
    expect(keeping.render(three[1]![0], three[1]![1])).toBe(first[1]); // kept
    const again = keeping.render(three[0]![0], three[0]![1]); // fell out: expanded again
    expect(again).not.toBe(first[0]);
    expect(again).toEqual(first[0]);
  });
});
