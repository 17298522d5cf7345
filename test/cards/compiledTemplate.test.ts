/**
 * Compiled card templates give exactly the cards adaptivecards-templating gives: for every card the catalogue and the
 * journey build, and for variants of their data with fields missing, null, emptied or of another type (where the
 * renderer falls back to the library). Anything outside the compiler's subset is refused, never guessed.
 */
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';
import { buildCatalogue } from '../../src/cards/catalogue';
import { CompileError, compileTemplate, Unsupported, type Conventions } from '../../src/cards/compiledTemplate';
import { CARD_CONVENTIONS, CardRenderer, withConventions, type RenderOptions } from '../../src/cards/render';
import { loadContent } from '../../src/content/load';
import { walkJourneyCards } from '../helpers/journeyCards';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const parsed = new Map<object, Template>();
/** adaptivecards-templating's expansion (each template parsed once). */
const library = (template: object, data: object): unknown => {
  const prepared = parsed.get(template) ?? new Template(template);
  parsed.set(template, prepared);
  return prepared.expand({ $root: data });
};

/** Every render call that building the catalogue (all sections) and a starter's whole journey make. */
function realRenderCalls(): [string, object][] {
  const calls: [string, object][] = [];
  const spy = jest.spyOn(CardRenderer.prototype, 'render').mockImplementation(function (this: CardRenderer, name: string, data: object) {
    calls.push([name, structuredClone(data)]);
    return { type: 'AdaptiveCard', version: '1.5' };
  });
  try {
    buildCatalogue({ contentDir: join(__dirname, '..', '..', 'cards') });
    walkJourneyCards(content, new CardRenderer(content.templates), 'notHelpful');
  } finally {
    spy.mockRestore();
  }
  return calls;
}

/** The data with one field (at the top, or in the first item of a list) missing, null, emptied or of another type. */
function* variants(data: object): Generator<[string, object]> {
  const replacements: [string, unknown][] = [
    ['missing', undefined],
    ['null', null],
    ['empty text', ''],
    ['empty list', []],
    ['zero', 0],
    ['1234', 1234],
    ['1.5', 1.5],
    ['true', true],
    ['false', false],
    ['an object', { text: 'x' }],
  ];
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    for (const [label, value] of replacements) {
      const copy = structuredClone(record);
      if (value === undefined) delete copy[key];
      else copy[key] = value;
      yield [`${key} ${label}`, copy];
    }
    const list = record[key];
    if (Array.isArray(list) && typeof list[0] === 'object' && list[0] !== null) {
      for (const inner of Object.keys(list[0] as object)) {
        for (const [label, value] of replacements) {
          const copy = structuredClone(record);
          const first = (copy[key] as Record<string, unknown>[])[0] as Record<string, unknown>;
          if (value === undefined) delete first[inner];
          else first[inner] = value;
          yield [`${key}[0].${inner} ${label}`, copy];
        }
      }
      const one = structuredClone(record);
      (one[key] as unknown[]).splice(1);
      yield [`${key} of one item`, one];
    }
  }
}

/** What the library makes of it, or the error it throws. */
function outcome(expand: () => unknown): unknown {
  try {
    return { card: expand() };
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * What the renderer makes of it: the compiled function's card, or (where it declines) the library's, with the
 * conventions given applied to it; and which.
 */
function asRendered(template: object, data: object, conventions?: Conventions): { result: unknown; fellBack: boolean } {
  try {
    return { result: { card: compileTemplate(template, conventions)(data) }, fellBack: false };
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    return { result: outcome(() => (conventions ? withConventions : (card: unknown) => card)(library(template, data))), fellBack: true };
  }
}

describe('compiled card templates', () => {
  const calls = realRenderCalls();

  it('cover every template in cards/templates (none is left to the fallback)', () => {
    for (const [name, template] of Object.entries(content.templates)) {
      expect([name, () => compileTemplate(template)]).toEqual([name, expect.any(Function)]);
      expect(() => compileTemplate(template)).not.toThrow();
    }
  });

  it('build exactly the card adaptivecards-templating builds, for every card of the catalogue and the journey', () => {
    const names = new Set(calls.map(([name]) => name));
    expect([...names].sort()).toEqual(Object.keys(content.templates).sort());
    expect(calls.length).toBeGreaterThan(80);
    for (const [name, data] of calls) {
      const template = content.templates[name] as object;
      // No fallback here: the compiled function itself must build it, and with the card conventions built in, the
      // library's card with the conventions applied after.
      expect([name, compileTemplate(template)(data)]).toEqual([name, library(template, data)]);
      expect([name, compileTemplate(template, CARD_CONVENTIONS)(data)]).toEqual([name, withConventions(library(template, data))]);
    }
  });

  it('give, through the renderer, what the library gives when a field is missing, null, emptied or of another type', () => {
    let compared = 0;
    let fellBack = 0;
    // Three cards of each template are enough to vary every field each template reads.
    const sample = Object.keys(content.templates).flatMap((name) => calls.filter(([n]) => n === name).slice(0, 3));
    for (const [name, data] of sample) {
      const template = content.templates[name] as object;
      for (const [label, variant] of variants(data)) {
        const { result, fellBack: toLibrary } = asRendered(template, variant);
        if (toLibrary) fellBack++;
        expect([name, label, result]).toEqual([name, label, outcome(() => library(template, variant))]);
        const withRules = asRendered(template, variant, CARD_CONVENTIONS).result;
        expect([name, label, withRules]).toEqual([name, label, outcome(() => withConventions(library(template, variant)))]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
    // Most variants are within the subset; the rest are left to the library, never guessed.
    expect(fellBack).toBeGreaterThan(0);
    expect(fellBack).toBeLessThan(compared);
  });

  it('keep a value’s type for a string that is one expression, and write text for a longer one', () => {
    const expand = compileTemplate({ n: '${count}', on: '${flag}', list: '${items}', text: 'n=${count}, ${flag}' });
    expect(expand({ count: 3, flag: true, items: [1, 2] })).toEqual({ n: 3, on: true, list: [1, 2], text: 'n=3, true' });
  });

  it('repeat an object for each item of $data, give one object for one item and remove it for none', () => {
    const expand = compileTemplate({ body: [{ $data: '${rows}', type: 'TextBlock', text: '${text} of ${$root.total}' }], one: { $data: '${rows}', x: '${text}' } });
    expect(expand({ rows: [{ text: 'a' }, { text: 'b' }], total: 2 })).toEqual({
      body: [
        { type: 'TextBlock', text: 'a of 2' },
        { type: 'TextBlock', text: 'b of 2' },
      ],
      one: [{ x: 'a' }, { x: 'b' }],
    });
    expect(expand({ rows: [{ text: 'a' }], total: 1 })).toEqual({ body: [{ type: 'TextBlock', text: 'a of 1' }], one: { x: 'a' } });
    expect(expand({ rows: [], total: 0 })).toEqual({ body: [], one: null });
  });

  it('keep an object only when $when is true, and evaluate the operators as adaptive-expressions does', () => {
    const template = {
      items: [
        { $when: "${banner != ''}", t: 'banner' },
        { $when: '${count(list) > 0 && !done}', t: 'list' },
        { $when: '${name}', t: 'not a boolean' },
        { t: "${if(mustDo, 'Must do: ' + title, title)}" },
        { t: '${string(n)}' },
      ],
    };
    const data = { banner: '', list: [1], done: false, name: 'x', mustDo: true, title: 'MFA', n: 7 };
    expect(compileTemplate(template)(data)).toEqual(library(template, data));
    expect(compileTemplate(template)(data)).toEqual({ items: [{ t: 'list' }, { t: 'Must do: MFA' }, { t: '7' }] });
  });

  it('refuse what the subset does not cover, so the library expands it', () => {
    expect(() => compileTemplate({ t: '${toUpper(name)}' })).toThrow(CompileError);
    expect(() => compileTemplate({ t: '${$index}' })).toThrow(CompileError);
    expect(() => compileTemplate({ $when: true, t: 'x' })).toThrow(CompileError);
    expect(() => compileTemplate({ t: '${a[0]}' })).toThrow(CompileError);
    expect(() => compileTemplate({ t: 'a \\${b}' })).toThrow(CompileError);
    expect(() => compileTemplate({ t: '${name}' })({})).toThrow(Unsupported);
    expect(() => compileTemplate({ t: '${string(n)}' })({ n: 12345 })).toThrow(Unsupported);
  });

  it('leave an expression of constants alone to the library, which writes it as text', () => {
    // Found by a review: `${true}` and `${1}` become "true" and "1" in the library, so `$when: '${true}'` drops its
    // object there, where a field path keeps its value's type.
    for (const template of [{ a: '${true}' }, { b: '${1}' }, { d: '${(true)}' }, { e: "${'x'}" }]) {
      expect(() => compileTemplate(template)).toThrow(CompileError);
    }
    const card = { type: 'AdaptiveCard', version: '1.5', body: [{ $when: '${true}', type: 'TextBlock', text: 'x' }, { type: 'TextBlock', text: '${1}' }] };
    expect(new CardRenderer({ card }).render('card', {})).toEqual(library(card, {}));
    expect(library(card, {})).toEqual({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: '1' }] });
  });

  it('are what the renderer uses, falling back to the library card by card', () => {
    const renderer = new CardRenderer({ card: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Hello ${name}' }] } });
    const options: RenderOptions = {};
    expect(renderer.render('card', { name: 'Sam' }, options)).toEqual({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Hello Sam' }] });
    // A missing field: the library's own answer (it leaves the expression in the text).
    expect(renderer.render('card', {}, options)).toEqual({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Hello ${name}' }] });
  });

  it('match the library, or leave the card to it, where adaptive-expressions has rules of its own', () => {
    // Each of these once gave a card the library does not (found by a review); each now matches or falls back.
    const cases: [object, object][] = [
      [{ t: '${title}' }, { Title: 'A', title: 'B' }], // the first key equal without regard to case wins
      [{ $when: '${done}', t: 'x' }, { DONE: false, done: true }],
      [{ t: '${k}' }, { '\u212A': 'A', k: 'B' }], // the Kelvin sign lower-cases to k
      [{ t: '${a == b}' }, { a: 0.1 + 0.2, b: 0.3 }], // numbers within Number.EPSILON are equal
      [{ $when: '${a != b}', t: 'x' }, { a: 1e-17, b: 2e-17 }],
      [{ t: '${string(n)}' }, { n: -5 }], // d3-format writes U+2212
      [{ r: [{ $data: '${rows}', x: '${t}' }] }, { t: 'root', rows: [{ t: 'a' }, undefined] }], // $data kept from the item before
    ];
    for (const [template, data] of cases) {
      expect([template, data, asRendered(template, data).result]).toEqual([template, data, outcome(() => library(template, data))]);
    }
    for (const template of [{ t: '${$foo}' }, { t: '${$ROOT.a}' }, { t: '${null}' }, { t: '${undefined}' }, JSON.parse('{"__proto__": {"t": "x"}}') as object]) {
      expect(() => compileTemplate(template)).toThrow(CompileError);
    }
  });
});
