/**
 * Card templates compiled to functions, for the subset of the Adaptive Cards templating language this project's
 * templates use. adaptivecards-templating parses a template once but evaluates every expression through
 * adaptive-expressions on each expansion (a memory object, options and result objects per expression): about
 * 0.1–0.5 ms of CPU and much of a turn's garbage for a step card (docs/bench.md). A compiled template walks closures
 * built once.
 *
 * adaptivecards-templating stays the reference, and the fallback:
 * - `compileTemplate` throws CompileError for anything outside the subset (another function, an escape, `$index`, a
 *   `$when` or `$data` that is not an expression); the renderer then expands that template with the library.
 * - An expansion throws Unsupported where the data leaves the cases implemented here (a missing or null field, keys
 *   that differ only in case, an undefined item in a list, a comparison of an array, a number `string()` would
 *   format other than as its digits); the renderer then expands that card with the library. So a card is either what
 *   the compiled function built or what the library built.
 * - test/cards/compiledTemplate.test.ts expands every card the catalogue and the journey build both ways, and
 *   variants with fields missing, null or emptied, and requires the same card.
 *
 * The semantics follow adaptivecards-templating 2.3 (lib/template-engine.js) and adaptive-expressions 4.23: a string
 * that is one `${…}` keeps its value's type, a longer one is text; `$data` bound to an array repeats its object (one
 * item gives one object, none removes it); `$when` keeps its object only for `true`; `$data`, `$when` and the other
 * reserved names are not copied; an array item that expands to an array is spliced in; `!`, `&&`, `||` and `if()`
 * read null and missing as false.
 */

/** A template the compiler does not cover: expand it with adaptivecards-templating. */
export class CompileError extends Error {}

/** Data outside what compiled templates handle: expand this card with adaptivecards-templating. */
export class Unsupported extends Error {}

interface Scope {
  readonly root: unknown;
  readonly data: unknown;
}

type Evaluate = (scope: Scope) => unknown;
type Expand = (scope: Scope) => unknown;

/** What an object with `$data`/`$when` expands to when nothing is left (the library's null). */
const NOTHING = null;

const RESERVED = new Set(['$data', '$when', '$root', '$index', '$host', '$_acTemplateVersion']);

/** Whether the process's locale, which string() formats numbers for, writes them in ASCII digits. */
const ENGLISH_DIGITS = Intl.DateTimeFormat().resolvedOptions().locale.startsWith('en');

/**
 * Rules the caller applies to every card on top of its template (the renderer's card conventions), built into the
 * compiled function so that a card is built once rather than expanded and then copied. Equivalent to applying a
 * bottom-up rewrite to the expanded card: objects are finished after their fields, list items filtered after they are
 * finished, and objects or lists an expression takes from the data passed through `inserted` whole.
 */
export interface Conventions {
  /** Completes an object the template built (new, so it may be added to), after its fields are final. */
  readonly finish: (result: Record<string, unknown>) => void;
  /** Whether a finished item stays in its list. */
  readonly keep: (item: unknown) => boolean;
  /** An object or list an expression took from the data, as the card should hold it (a copy: data stays as given). */
  readonly inserted: (value: object) => unknown;
}

/** Compiles a template (parsed JSON); throws CompileError for anything outside the subset. */
export function compileTemplate(template: unknown, conventions?: Conventions): (data: object) => unknown {
  const expand = compileNode(template, conventions);
  return (data) => expand({ root: data, data });
}

function compileNode(node: unknown, conventions: Conventions | undefined): Expand {
  if (typeof node === 'string') return compileString(node, conventions);
  if (Array.isArray(node)) return compileArray(node, conventions);
  if (typeof node === 'object' && node !== null) return compileObject(node as Record<string, unknown>, conventions);
  return () => node;
}

function compileArray(items: readonly unknown[], conventions: Conventions | undefined): Expand {
  const parts = items.map((item) => compileNode(item, conventions));
  const keep = conventions?.keep;
  return (scope) => {
    const result: unknown[] = [];
    for (const part of parts) {
      const value = part(scope);
      if (value === NOTHING) continue;
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) if (!keep || keep(item)) result.push(item);
      } else if (!keep || keep(value)) result.push(value);
    }
    return result;
  };
}

function compileObject(node: Record<string, unknown>, conventions: Conventions | undefined): Expand {
  const when = node.$when === undefined ? undefined : compileBinding(node.$when, '$when');
  const data = node.$data === undefined ? undefined : compileBinding(node.$data, '$data');
  if (Object.hasOwn(node, '__proto__')) throw new CompileError('a "__proto__" key');
  const fields = Object.keys(node)
    .filter((key) => !RESERVED.has(key))
    .map((key) => [key, compileNode(node[key], conventions)] as const);
  const finish = conventions?.finish;
  const keep = conventions?.keep;
  const single = (scope: Scope): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (const [key, expand] of fields) {
      const value = expand(scope);
      if (value !== undefined) result[key] = value;
    }
    if (finish) finish(result);
    return result;
  };
  const kept = (scope: Scope): boolean => when === undefined || when(scope) === true;
  if (!data) return (scope) => (kept(scope) ? single(scope) : NOTHING);
  return (scope) => {
    const bound = data(scope);
    if (Array.isArray(bound)) {
      const result: Record<string, unknown>[] = [];
      for (const item of bound) {
        // The library leaves $data as it was for an undefined item (the item before it, or the scope): not followed.
        if (item === undefined) throw new Unsupported('an undefined item in a $data list');
        const inner = { root: scope.root, data: item };
        if (kept(inner)) result.push(single(inner));
      }
      if (result.length === 0) return NOTHING;
      if (result.length === 1) return result[0];
      // Several objects make a list (spliced into a list around it, where items are filtered again: harmless).
      return keep ? result.filter(keep) : result;
    }
    if (typeof bound !== 'object' || bound === null) throw new Unsupported('$data bound to a value that is not a list or an object');
    const inner = { root: scope.root, data: bound };
    return kept(inner) ? single(inner) : NOTHING;
  };
}

/** `$when` and `$data`: an expression string, evaluated as a whole. */
function compileBinding(value: unknown, name: string): Evaluate {
  if (typeof value !== 'string') throw new CompileError(`${name} that is not an expression`);
  const parts = interpolation(value);
  const [only] = parts;
  if (parts.length !== 1 || typeof only === 'string' || only === undefined) throw new CompileError(`${name} that is not one expression`);
  return only;
}

function compileString(text: string, conventions: Conventions | undefined): Expand {
  if (!text.includes('${')) return () => text;
  const parts = interpolation(text);
  const [only] = parts;
  if (parts.length === 1 && typeof only === 'function') {
    // One expression: its value keeps its type (an object or a list from the data goes in as the conventions say).
    if (!conventions) return only;
    const { inserted } = conventions;
    return (scope) => {
      const value = only(scope);
      return typeof value === 'object' && value !== null ? inserted(value) : value;
    };
  }
  return (scope) => {
    let result = '';
    for (const part of parts) result += typeof part === 'string' ? part : asText(part(scope));
    return result;
  };
}

/** How the library writes a value into text (`value.toString()`), for the values that have one plain form. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Unsupported('a value in text that is not a string, number or boolean');
}

/** Splits "a ${x} b" into text and compiled expressions. */
function interpolation(text: string): (string | Evaluate)[] {
  if (text.includes('\\') || text.includes('`')) throw new CompileError('escapes in a templated string');
  const parts: (string | Evaluate)[] = [];
  let at = 0;
  while (at < text.length) {
    const start = text.indexOf('${', at);
    if (start < 0) {
      parts.push(text.slice(at));
      break;
    }
    if (start > at) parts.push(text.slice(at, start));
    const end = closingBrace(text, start + 2);
    parts.push(compileExpression(text.slice(start + 2, end)));
    at = end + 1;
  }
  return parts;
}

function closingBrace(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '{') throw new CompileError('object literals in an expression');
    else if (c === '}') return i;
  }
  throw new CompileError('an expression without its closing brace');
}

// --- Expressions -------------------------------------------------------------------------------------------------

type Token = { kind: 'name'; text: string } | { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'op'; text: string };

const OPERATORS = ['&&', '||', '==', '!=', '>=', '<=', '>', '<', '!', '+', '(', ')', ',', '.'];

function tokenise(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source.charAt(i);
    if (c === ' ') {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) throw new CompileError('an unterminated string');
      tokens.push({ kind: 'string', value: source.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const match = /^[A-Za-z_$][A-Za-z0-9_]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'name', text: match[0] });
      i += match[0].length;
    } else {
      throw new CompileError(`"${c}" in an expression`);
    }
  }
  return tokens;
}

/**
 * Parses one expression: `||` below `&&` below comparisons below `+` below `!`, as in adaptive-expressions.
 * Returns the evaluator for a value context (where the library would substitute a missing field, this throws).
 */
function compileExpression(source: string): Evaluate {
  const tokens = tokenise(source);
  let at = 0;
  /** Whether a field path was seen: an expression of constants alone is left to the library. */
  let readsData = false;
  const peek = (): Token | undefined => tokens[at];
  const isOp = (text: string): boolean => {
    const t = peek();
    return t?.kind === 'op' && t.text === text;
  };
  const expectOp = (text: string): void => {
    if (!isOp(text)) throw new CompileError(`expected "${text}"`);
    at++;
  };

  const or = (): Evaluate => {
    let left = and();
    while (isOp('||')) {
      at++;
      const [a, b] = [left, and()];
      left = (s) => truthy(a(s)) || truthy(b(s));
    }
    return left;
  };
  const and = (): Evaluate => {
    let left = comparison();
    while (isOp('&&')) {
      at++;
      const [a, b] = [left, comparison()];
      left = (s) => truthy(a(s)) && truthy(b(s));
    }
    return left;
  };
  const comparison = (): Evaluate => {
    const left = sum();
    const t = peek();
    if (t?.kind !== 'op' || !['==', '!=', '>', '>=', '<', '<='].includes(t.text)) return left;
    at++;
    const right = sum();
    return comparator(t.text, left, right);
  };
  const sum = (): Evaluate => {
    let left = unary();
    while (isOp('+')) {
      at++;
      const [a, b] = [left, unary()];
      left = (s) => add(a(s), b(s));
    }
    return left;
  };
  const unary = (): Evaluate => {
    if (isOp('!')) {
      at++;
      const operand = unary();
      return (s) => !truthy(operand(s));
    }
    return primary();
  };
  const primary = (): Evaluate => {
    const t = peek();
    if (!t) throw new CompileError('an expression ends too soon');
    at++;
    if (t.kind === 'number' || t.kind === 'string') {
      const value = t.value;
      return () => value;
    }
    if (t.kind === 'op') {
      if (t.text !== '(') throw new CompileError(`"${t.text}" where a value belongs`);
      const inner = or();
      expectOp(')');
      return inner;
    }
    if (isOp('(')) {
      at++;
      const args: Evaluate[] = [];
      if (!isOp(')')) {
        args.push(or());
        while (isOp(',')) {
          at++;
          args.push(or());
        }
      }
      expectOp(')');
      return call(t.text, args);
    }
    if (t.text === 'true' || t.text === 'false') {
      const value = t.text === 'true';
      return () => value;
    }
    // Constants and memory names of adaptive-expressions, looked up differently from data fields: left to the library.
    if (t.text === 'null' || t.text === 'undefined' || (t.text.startsWith('$') && t.text !== '$root' && t.text !== '$data')) {
      throw new CompileError(`"${t.text}" in an expression`);
    }
    const path = [t.text];
    while (isOp('.')) {
      at++;
      const next = peek();
      if (next?.kind !== 'name') throw new CompileError('a property name expected');
      at++;
      path.push(next.text);
    }
    readsData = true;
    return accessor(path);
  };

  const result = or();
  if (at !== tokens.length) throw new CompileError(`unexpected "${source}"`);
  // The library writes an expression of constants alone (`${true}`, `${1}`) as text, where one that reads the data
  // keeps its value's type: left to the library rather than copied.
  if (!readsData) throw new CompileError(`"${source}" reads nothing from the data`);
  return result;
}

/** A field path: from the item in scope, or from `$root`/`$data`. A missing or null field is left to the library. */
function accessor(path: readonly string[]): Evaluate {
  const [first, ...rest] = path;
  const fromRoot = first === '$root';
  const names = first === '$root' || first === '$data' ? rest : path;
  if (names.some((name) => name.startsWith('$'))) throw new CompileError('a field name starting with "$"');
  const lower = names.map((name) => name.toLowerCase());
  return (scope) => {
    let value: unknown = fromRoot ? scope.root : scope.data;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) {
        throw new Unsupported(`no field "${path.join('.')}"`);
      }
      // The library takes the first key that matches without regard to case: such keys are left to it.
      if (caseTwin(value, name, lower[i] as string)) throw new Unsupported('keys differing in case only');
      value = (value as Record<string, unknown>)[name];
    }
    if (value === undefined || value === null) throw new Unsupported(`no value for "${path.join('.')}"`);
    return value;
  };
}

/**
 * Whether the object has another key equal to `name` without regard to case. Only keys of the same length can be: a
 * name is ASCII, and only A-Z and the Kelvin sign lower-case to ASCII, each to one character.
 */
function caseTwin(value: object, name: string, lower: string): boolean {
  for (const key in value) {
    if (key.length === name.length && key !== name && key.toLowerCase() === lower && Object.hasOwn(value, key)) return true;
  }
  return false;
}

/** adaptive-expressions' isLogicTrue: booleans are themselves, null is false, anything else true. */
function truthy(value: unknown): boolean {
  return typeof value === 'boolean' ? value : value !== null && value !== undefined;
}

function comparator(op: string, left: Evaluate, right: Evaluate): Evaluate {
  return (scope) => {
    const a = left(scope);
    const b = right(scope);
    const bothNumbers = typeof a === 'number' && typeof b === 'number';
    const bothStrings = typeof a === 'string' && typeof b === 'string';
    if (op === '==' || op === '!=') {
      if (!bothNumbers && !bothStrings && !(typeof a === 'boolean' && typeof b === 'boolean')) {
        throw new Unsupported('equality of values other than two strings, numbers or booleans');
      }
      // adaptive-expressions' commonEquals: numbers within Number.EPSILON are equal.
      const equal = bothNumbers ? a === b || Math.abs(a - b) < Number.EPSILON : a === b;
      return equal === (op === '==');
    }
    if (!bothNumbers && !bothStrings) throw new Unsupported('an order comparison of values other than two strings or numbers');
    const [x, y] = [a as number | string, b as number | string];
    switch (op) {
      case '>':
        return x > y;
      case '>=':
        return x >= y;
      case '<':
        return x < y;
      default:
        return x <= y;
    }
  };
}

/** `+`: numbers add, and a string with a string or a number is text (adaptive-expressions' add). */
function add(a: unknown, b: unknown): unknown {
  const operand = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';
  if (!operand(a) || !operand(b)) throw new Unsupported('+ of a value other than a string or a number');
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return String(a) + String(b);
}

function call(name: string, args: readonly Evaluate[]): Evaluate {
  const arity = (n: number): void => {
    if (args.length !== n) throw new CompileError(`${name}() with ${args.length} arguments`);
  };
  const [first, second, third] = args as [Evaluate, Evaluate, Evaluate];
  switch (name) {
    case 'count':
      arity(1);
      return (s) => {
        const value = first(s);
        if (typeof value === 'string' || Array.isArray(value)) return value.length;
        throw new Unsupported('count() of a value that is not a list or a string');
      };
    case 'if':
      arity(3);
      return (s) => (truthy(first(s)) ? second(s) : third(s));
    case 'string':
      arity(1);
      return (s) => {
        const value = first(s);
        if (typeof value === 'string') return value;
        // The library formats numbers for the process's locale (d3-format ",.0f", U+2212 for minus): in English,
        // whole numbers from 0 to 999 are their digits.
        if (ENGLISH_DIGITS && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1000) return String(value);
        throw new Unsupported('string() of a value other than a string or a small whole number');
      };
    case 'join':
      arity(2);
      return (s) => {
        const [list, separator] = [first(s), second(s)];
        if (Array.isArray(list) && list.every((item) => typeof item === 'string') && typeof separator === 'string') return list.join(separator);
        throw new Unsupported('join() of a value other than a list of strings');
      };
    default:
      throw new CompileError(`the function ${name}()`);
  }
}
