/**
 * Rules every card the bot sends must follow (issue 2's card requirements and the Teams limits in
 * docs/sources (the Teams platform facts)), as functions that return what is wrong so a test names the fault.
 */
import type * as AdaptiveCards from 'adaptivecards';

// The package's main entry is ES modules; jest runs CommonJS, so use the UMD bundle it also ships.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** Teams renders schema 1.5 or earlier. */
export const MAX_VERSION = '1.5';
/** Well under the bot message limit; the webhook/Workflows limit. */
export const MAX_CARD_BYTES = 28 * 1024;

type Json = Record<string, unknown>;

/** Visits every object in a card (including fallbacks and the refresh action) with its JSON path. */
export function walk(node: unknown, visit: (obj: Json, path: string) => void, path = '$'): void {
  if (Array.isArray(node)) node.forEach((child, i) => walk(child, visit, `${path}[${i}]`));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Json, path);
    for (const [key, value] of Object.entries(node)) walk(value, visit, `${path}.${key}`);
  }
}

/** Parse and validation events of the adaptivecards SDK, targeting schema 1.5 (newer features are events too). */
export function sdkProblems(card: unknown): string[] {
  const problems: string[] = [];
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`SDK ${AC.ValidationPhase[e.phase]}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) problems.push(`SDK validation: ${e.message}`);
  return problems;
}

/** Declares a version Teams renders (1.0 to 1.5). */
export function versionProblems(card: unknown): string[] {
  const version = (card as Json).version;
  if (typeof version !== 'string' || !/^1\.[0-9]$/.test(version)) return [`declares version ${String(version)}`];
  const minor = Number(version.split('.')[1]);
  return minor <= Number(MAX_VERSION.split('.')[1]) ? [] : [`declares version ${version}, newer than ${MAX_VERSION}`];
}

export function sizeProblems(card: unknown): string[] {
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  return bytes <= MAX_CARD_BYTES ? [] : [`serialises to ${bytes} bytes, over ${MAX_CARD_BYTES}`];
}

/** Every action (buttons, fallbacks, the refresh action, select actions) has a title a screen reader can say. */
export function actionTitleProblems(card: unknown): string[] {
  const problems: string[] = [];
  walk(card, (o, path) => {
    if (typeof o.type === 'string' && o.type.startsWith('Action.') && (typeof o.title !== 'string' || o.title.trim() === '')) {
      problems.push(`${path}: ${o.type} has no title`);
    }
  });
  return problems;
}

/** Every image says what it shows. */
export function imageAltProblems(card: unknown): string[] {
  const problems: string[] = [];
  walk(card, (o, path) => {
    if (o.type === 'Image' && (typeof o.altText !== 'string' || o.altText.trim() === '')) problems.push(`${path}: Image has no altText`);
  });
  return problems;
}

/** Words that carry the meaning of each colour, so that the colour is never the only carrier. */
const MEANING_WORDS: Readonly<Record<string, RegExp>> = {
  good: /\b(done|complete|completed|delivered|success|successful|succeeded|ready|yes|passed|ok|all done)\b|✓|✔/i,
  attention: /\b(fail|failed|failure|error|problem|problems|not|no|cannot|can’t|can't|couldn’t|couldn't|must|attention|urgent|overdue|warning|stop)\b|✗|✘|⚠/i,
  warning: /\b(warning|waiting|pending|caution|attention|soon|not yet|check|still|must)\b|⚠/i,
};

/** Text of a node and everything inside it (TextBlocks, TextRuns, facts, titles). */
function textOf(node: unknown): string {
  const out: string[] = [];
  walk(node, (o) => {
    for (const key of ['text', 'title', 'value', 'altText']) if (typeof o[key] === 'string') out.push(o[key] as string);
  });
  return out.join(' ');
}

/**
 * Colour never carries information alone: text coloured good/attention/warning, and containers styled so,
 * must say it in words too (WCAG 1.4.1; also Teams' high-contrast theme drops colours).
 */
export function colourOnlyProblems(card: unknown): string[] {
  const problems: string[] = [];
  walk(card, (o, path) => {
    for (const key of ['color', 'style'] as const) {
      const value = typeof o[key] === 'string' ? (o[key] as string).toLowerCase() : undefined;
      if (value === undefined || !(value in MEANING_WORDS)) continue;
      if (key === 'style' && typeof o.type === 'string' && o.type.startsWith('Action.')) continue; // button styles are not shown by Teams
      const words = MEANING_WORDS[value] as RegExp;
      const text = textOf(o);
      if (!words.test(text)) problems.push(`${path}: ${key} "${value}" with no words saying it (“${text.slice(0, 60)}”)`);
    }
  });
  return problems;
}

/** Every URL a card carries (links, images, select actions, markdown links) is https. */
export function httpsProblems(card: unknown): string[] {
  const problems: string[] = [];
  walk(card, (o, path) => {
    for (const [key, value] of Object.entries(o)) {
      if (typeof value !== 'string') continue;
      if (key === 'url' || /Url$/.test(key)) {
        if (!value.startsWith('https://')) problems.push(`${path}.${key}: ${value} is not https`);
      }
      if (key === 'text') {
        for (const match of value.matchAll(/\]\(([^)\s]+)\)/g)) {
          const url = match[1] ?? '';
          if (!url.startsWith('https://') && !url.startsWith('mailto:') && !url.startsWith('tel:')) problems.push(`${path}.text: link ${url} is not https`);
        }
      }
    }
  });
  return problems;
}

/**
 * Text the renderer shows must be a string: templating turns "${count}" into a number, which the SDK parses
 * without complaint but the renderer draws as nothing (a FactSet value went blank this way). Use ${string(count)}.
 */
export function textTypeProblems(card: unknown): string[] {
  const problems: string[] = [];
  const check = (o: Json, key: string, path: string): void => {
    if (key in o && typeof o[key] !== 'string') problems.push(`${path}.${key} is a ${typeof o[key]}, not text`);
  };
  walk(card, (o, path) => {
    if (o.type === 'TextBlock' || o.type === 'TextRun') check(o, 'text', path);
    if (typeof o.type === 'string' && o.type.startsWith('Action.')) check(o, 'title', path);
    if (o.type === 'Image') check(o, 'altText', path);
    if (typeof o.type === 'string' && o.type.startsWith('Input.')) for (const key of ['label', 'placeholder', 'errorMessage']) check(o, key, path);
    if (o.type === 'FactSet' && Array.isArray(o.facts)) {
      o.facts.forEach((fact: unknown, i: number) => {
        if (typeof fact === 'object' && fact !== null) for (const key of ['title', 'value']) check(fact as Json, key, `${path}.facts[${i}]`);
      });
    }
  });
  return problems;
}

/** The buttons a user sees (not the Action.Submit fallbacks, nor the refresh action), in order. */
function shownButtons(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) node.forEach((child) => shownButtons(child, out));
  else if (typeof node === 'object' && node !== null) {
    const o = node as Json;
    if (typeof o.type === 'string' && o.type.startsWith('Action.')) out.push(o);
    for (const [key, value] of Object.entries(o)) if (key !== 'fallback' && key !== 'refresh' && key !== 'selectAction') shownButtons(value, out);
  }
  return out;
}

/**
 * No two buttons on a card share a name (a screen reader reads only the title, so seven "Mark as done" are seven
 * identical buttons), and no link is offered twice.
 */
export function duplicateButtonProblems(card: unknown): string[] {
  const problems: string[] = [];
  const titles = new Set<string>();
  const urls = new Set<string>();
  for (const button of shownButtons(card)) {
    const title = typeof button.title === 'string' ? button.title.trim().toLowerCase() : '';
    if (title !== '' && titles.has(title)) problems.push(`two buttons are named “${String(button.title)}”`);
    titles.add(title);
    if (button.type === 'Action.OpenUrl' && typeof button.url === 'string') {
      if (urls.has(button.url)) problems.push(`two buttons open ${button.url}`);
      urls.add(button.url);
    }
  }
  return problems;
}

/** Template expressions left in the card mean the data did not match the template. */
export function unexpandedProblems(card: unknown): string[] {
  return JSON.stringify(card).includes('${') ? ['has an unexpanded ${…} template expression'] : [];
}

/** All the rules above. */
export function cardProblems(card: unknown): string[] {
  return [
    ...sdkProblems(card),
    ...versionProblems(card),
    ...sizeProblems(card),
    ...actionTitleProblems(card),
    ...imageAltProblems(card),
    ...colourOnlyProblems(card),
    ...httpsProblems(card),
    ...textTypeProblems(card),
    ...unexpandedProblems(card),
    ...duplicateButtonProblems(card),
  ];
}
