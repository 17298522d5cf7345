/**
 * The renderer builds every card as adaptivecards-templating would, with the project's card conventions applied: each
 * Action.Execute carries an Action.Submit fallback with its data and verb (older Teams clients press that), no empty
 * action set or container is left (the SDK rejects them), and each call builds a card of its own.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'adaptivecards-templating';
import { CardRenderer, type CardJson, type RenderOptions } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { loadContent } from '../../src/content/load';
import { startProgress } from '../../src/journey/progress';
import { walkJourneyCards } from '../helpers/journeyCards';

const content = loadContent(join(__dirname, '..', '..', 'cards'));

/** Every render call a set of real cards makes (template, data, options), and the card each call built. */
class CapturingRenderer extends CardRenderer {
  readonly calls: { name: string; data: object; options: RenderOptions; card: CardJson }[] = [];
  override render(name: string, data: object, options: RenderOptions = {}) {
    const card = super.render(name, data, options);
    this.calls.push({ name, data: structuredClone(data), options, card });
    return card;
  }
}

function realRenderCalls(): CapturingRenderer['calls'] {
  const renderer = new CapturingRenderer(content.templates);
  walkJourneyCards(content, renderer);
  return renderer.calls;
}

/** Every Action.Execute in a card, fallbacks and refresh included. */
function executeActions(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) for (const child of node) executeActions(child, out);
  else if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.Execute') out.push(o);
    for (const value of Object.values(o)) executeActions(value, out);
  }
  return out;
}

describe('cards built by the renderer', () => {
  const calls = realRenderCalls();

  it('give every button an Action.Submit fallback with the same data and verb, on every step, checklist and answer card', () => {
    expect(calls.length).toBeGreaterThan(40);
    let buttons = 0;
    for (const { name, card } of calls) {
      for (const action of executeActions(card)) {
        if (action.verb === 'refresh') continue; // the refresh action is Teams' own: never pressed
        const data = (action.data ?? {}) as Record<string, unknown>;
        expect([name, action.fallback]).toEqual([name, { type: 'Action.Submit', title: action.title, data: { ...data, verb: action.verb } }]);
        buttons++;
      }
    }
    expect(buttons).toBeGreaterThan(200);
  });

  it('are, without the conventions, exactly the card adaptivecards-templating builds from the same data', () => {
    const strip = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(strip);
      if (typeof node !== 'object' || node === null) return node;
      const o = { ...(node as Record<string, unknown>) };
      if (o.type === 'Action.Execute') delete o.fallback;
      for (const key of Object.keys(o)) o[key] = strip(o[key]);
      return o;
    };
    for (const { name, data, options, card } of calls) {
      if (options.refreshFor) continue; // the refresh action is the renderer's, not the template's
      const library = new Template(content.templates[name] as object).expand({ $root: data }) as object;
      expect([name, strip(card)]).toEqual([name, strip(library)]);
    }
  });

  it('leave out an action set or a container that the data left empty', () => {
    const renderer = new CardRenderer({
      card: {
        type: 'AdaptiveCard',
        version: '1.5',
        body: [
          { type: 'ActionSet', actions: [{ $data: '${buttons}', type: 'Action.Execute', title: '${title}', verb: 'go', data: { id: '${id}' } }] },
          { type: 'Container', items: [{ $when: '${show}', type: 'TextBlock', text: 'Shown' }] },
        ],
      },
    });
    expect(renderer.render('card', { buttons: [], show: false })).toEqual({ type: 'AdaptiveCard', version: '1.5', body: [] });
    expect(renderer.render('card', { buttons: [{ title: 'Go', id: 'a' }], show: true }).body).toEqual([
      {
        type: 'ActionSet',
        actions: [
          { type: 'Action.Execute', title: 'Go', verb: 'go', data: { id: 'a' }, fallback: { type: 'Action.Submit', title: 'Go', data: { id: 'a', verb: 'go' } } },
        ],
      },
      { type: 'Container', items: [{ type: 'TextBlock', text: 'Shown' }] },
    ]);
  });

  it('refuse a template that builds no card, or a list of them, rather than send it', () => {
    const renderer = new CardRenderer({
      maybe: { $when: '${show}', type: 'AdaptiveCard', version: '1.5', body: [] },
      many: { $data: '${cards}', type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: '${text}' }] },
    });
    expect(renderer.render('maybe', { show: true }, { refreshFor: { userId: '29:a', data: { verb: 'refresh', view: 'step' } } })).toMatchObject({ refresh: {} });
    expect(() => renderer.render('maybe', { show: false })).toThrow('card template "maybe" built no card');
    expect(() => renderer.render('many', { cards: [{ text: 'a' }, { text: 'b' }] })).toThrow('built no card');
  });

  it('tell users apart: the same card for two starters refreshes for each of them', () => {
    const cards = new JourneyCards(content, new CardRenderer(content.templates));
    const progress = startProgress(content.journey, { kind: 'self' }, new Date());
    const first = cards.step(progress, progress.stepId, { userId: '29:first' });
    const second = cards.step(progress, progress.stepId, { userId: '29:second' });
    expect(first.refresh).toMatchObject({ userIds: ['29:first'] });
    expect(second.refresh).toMatchObject({ userIds: ['29:second'] });
  });

  it('are each their own: what one turn does to its card does not reach the next card, nor the data', () => {
    const renderer = new CardRenderer(content.templates);
    const { name, data, options } = calls.find((c) => c.name === 'step') ?? calls[0]!;
    const before = structuredClone(data);
    const card = renderer.render(name, data, options) as unknown as { body: { text?: string }[]; actions?: unknown[] };
    const again = renderer.render(name, data, options);
    card.body[0]!.text = 'changed';
    expect(again).not.toBe(card);
    expect(renderer.render(name, data, options)).toEqual(again);
    expect(data).toEqual(before);
  });
});

describe('the bot’s footprint at start', () => {
  it('loads adaptivecards-templating (and adaptive-expressions under it) only when a card needs the fallback or the reference', async () => {
    const script = `
      const { CardRenderer } = require('./src/cards/render');
      const { JourneyCards } = require('./src/cards/views');
      const { loadContent } = require('./src/content/load');
      const { startProgress } = require('./src/journey/progress');
      const loaded = () => Object.keys(require.cache).filter((k) => /node_modules\\/(adaptivecards-templating|adaptive-expressions)\\//.test(k)).length;
      const content = loadContent('cards');
      const renderer = new CardRenderer(content.templates);
      const cards = new JourneyCards(content, renderer);
      const progress = startProgress(content.journey, { kind: 'self' }, new Date(0));
      const step = cards.step(progress, progress.stepId, { userId: '29:1' });
      const help = cards.help();
      const before = loaded();
      // A template the compiler does not cover (a $when that is not an expression) falls back to the library.
      const odd = new CardRenderer({ odd: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'hi', $when: 'true' }] } });
      const fallback = odd.render('odd', {}).type;
      process.stdout.write(JSON.stringify({ built: [step.type, help.type, fallback], before, after: loaded() > 0 }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '..', '..'), env: { PATH: process.env.PATH ?? '' } });
    expect(JSON.parse(stdout)).toEqual({ built: ['AdaptiveCard', 'AdaptiveCard', 'AdaptiveCard'], before: 0, after: true });
  }, 60_000);
});
