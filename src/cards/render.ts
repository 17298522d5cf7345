import { Template } from 'adaptivecards-templating';
import { LruMap } from '../lruMap';
import type { CardAction } from './cardActions';
import { CompileError, compileTemplate, Unsupported } from './compiledTemplate';

/** An Adaptive Card as JSON, ready to attach. */
export type CardJson = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

export interface RenderOptions {
  /**
   * Universal Actions refresh: Teams asks for the latest card when the user views it. The user is named (by
   * Teams id) where known; a card refreshes for anyone in a chat of fewer than 60 people either way.
   */
  readonly refreshFor?: { readonly userId: string; readonly data: CardAction };
}

/** One template: compiled where the compiler covers it, and adaptivecards-templating's, built when first needed. */
class PreparedTemplate {
  private libraryTemplate: Template | undefined;
  readonly compiled: ((data: object) => unknown) | undefined;

  constructor(private readonly json: object) {
    try {
      this.compiled = compileTemplate(json);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      this.compiled = undefined;
    }
  }

  /** adaptivecards-templating's expansion: the reference, and the fallback. */
  library(data: object): unknown {
    this.libraryTemplate ??= new Template(this.json);
    return this.libraryTemplate.expand({ $root: data });
  }

  expand(data: object): unknown {
    if (this.compiled) {
      try {
        return this.compiled(data);
      } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
      }
    }
    return this.library(data);
  }
}

/**
 * Expands card templates and applies the project's card conventions.
 *
 * Templates are compiled to functions at start (src/cards/compiledTemplate.ts), with adaptivecards-templating as the
 * fallback for anything the compiler does not cover and as the reference the tests compare with. A card expanded
 * through adaptive-expressions cost 0.1–0.5 ms of CPU and much of a turn's garbage; a compiled one costs a walk of
 * closures (docs/bench.md). The cards last expanded are also kept, by template and data, frozen: every turn that
 * gets one gets the same objects, so nothing may change them (a change throws).
 */
export class CardRenderer {
  private readonly templates = new Map<string, PreparedTemplate>();
  /** Template name and data as JSON → the expanded card. */
  private readonly expanded: LruMap<string, CardJson>;

  constructor(
    templates: Readonly<Record<string, object>>,
    /** Cards kept (a step card is about 10 KB, its key about 5 KB): 500 is about 7 MB. */
    keep = 500,
  ) {
    this.expanded = new LruMap(keep);
    for (const [name, json] of Object.entries(templates)) this.templates.set(name, new PreparedTemplate(json));
  }

  /** The template names available. */
  names(): string[] {
    return [...this.templates.keys()];
  }

  /** Renders a template with data; throws for an unknown template name (a programming error). */
  render(name: string, data: object, options: RenderOptions = {}): CardJson {
    const card = this.expand(name, data);
    if (!options.refreshFor) return card;
    const { userId, data: refreshData } = options.refreshFor;
    return {
      ...card,
      refresh: {
        action: { type: 'Action.Execute', verb: 'refresh', title: 'Refresh', data: refreshData },
        // userIds takes Teams ids (29:…). A starter an LA welcomed is known only by Entra object id until they
        // first write; without userIds Teams still refreshes automatically in chats of fewer than 60 people.
        ...(userId.startsWith('29:') ? { userIds: [userId] } : {}),
      },
    };
  }

  /** The template expanded with the data: kept from an earlier turn, or expanded now (and kept, frozen). */
  private expand(name: string, data: object): CardJson {
    const key = `${name}\u0000${JSON.stringify(data)}`;
    const kept = this.expanded.get(key);
    if (kept) return kept;
    const template = this.templates.get(name);
    if (!template) throw new Error(`unknown card template "${name}"`);
    const card = deepFreeze(tidy(template.expand(data))) as CardJson;
    this.expanded.set(key, card);
    return card;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Conventions every card follows, applied in one place rather than written into each template:
 * each Action.Execute gets an Action.Submit fallback with the same data (older clients), and
 * action sets or containers that templating left empty are dropped (the SDK rejects them).
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(tidy).filter((child) => !isEmptyContainer(child));
  }
  if (typeof node !== 'object' || node === null) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) result[key] = tidy(value);
  if (result.type === 'Action.Execute' && result.fallback === undefined) {
    const verb = typeof result.verb === 'string' ? result.verb : undefined;
    const data = typeof result.data === 'object' && result.data !== null ? result.data : {};
    result.fallback = { type: 'Action.Submit', title: result.title, data: { ...data, verb } };
  }
  return result;
}

function isEmptyContainer(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const n = node as Record<string, unknown>;
  if (n.type === 'ActionSet') return !Array.isArray(n.actions) || n.actions.length === 0;
  if (n.type === 'Container') return !Array.isArray(n.items) || n.items.length === 0;
  return false;
}
