import type { Template } from 'adaptivecards-templating';
import type { CardAction } from './cardActions';
import { CompileError, compileTemplate, Unsupported, type Conventions } from './compiledTemplate';

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
      this.compiled = compileTemplate(json, CARD_CONVENTIONS);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      this.compiled = undefined;
    }
  }

  /**
   * adaptivecards-templating's expansion with the conventions applied after: the reference, and the fallback. Loaded
   * when first used: with every template compiled, the bot never loads it (nor adaptive-expressions, antlr4ts and
   * lodash under it, about 460 modules).
   */
  library(data: object): unknown {
    if (!this.libraryTemplate) {
      const { Template: LibraryTemplate } = require('adaptivecards-templating') as typeof import('adaptivecards-templating');
      this.libraryTemplate = new LibraryTemplate(this.json);
    }
    return withConventions(this.libraryTemplate.expand({ $root: data }));
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
 * Templates are compiled to functions at start (src/cards/compiledTemplate.ts), the conventions built in, with
 * adaptivecards-templating (and the conventions applied after) as the fallback for anything the compiler does not
 * cover and as the reference the tests compare with. A card expanded through adaptive-expressions cost 0.1–0.5 ms of
 * CPU and much of a turn's garbage; a compiled one is a walk of closures, cheaper than looking a kept card up by its
 * data was (docs/bench.md), so no card is kept: every call builds new objects, and nothing one turn does to its card
 * reaches another's.
 */
export class CardRenderer {
  private readonly templates = new Map<string, PreparedTemplate>();

  constructor(templates: Readonly<Record<string, object>>) {
    for (const [name, json] of Object.entries(templates)) this.templates.set(name, new PreparedTemplate(json));
  }

  /** The template names available. */
  names(): string[] {
    return [...this.templates.keys()];
  }

  /** Renders a template with data; throws for an unknown template name (a programming error). */
  render(name: string, data: object, options: RenderOptions = {}): CardJson {
    const template = this.templates.get(name);
    if (!template) throw new Error(`unknown card template "${name}"`);
    const built = template.expand(data);
    // A template whose root `$when` or `$data` left nothing, or a list, is a template to mend, not a card to send.
    if (typeof built !== 'object' || built === null || Array.isArray(built)) throw new Error(`card template "${name}" built no card`);
    const card = built as CardJson;
    if (!options.refreshFor) return card;
    const { userId, data: refreshData } = options.refreshFor;
    card.refresh = {
      action: { type: 'Action.Execute', verb: 'refresh', title: 'Refresh', data: refreshData },
      // userIds takes Teams ids (29:…). A starter an LA welcomed is known only by Entra object id until they
      // first write; without userIds Teams still refreshes automatically in chats of fewer than 60 people.
      ...(userId.startsWith('29:') ? { userIds: [userId] } : {}),
    };
    return card;
  }
}

/**
 * Conventions every card follows, applied in one place rather than written into each template:
 * each Action.Execute gets an Action.Submit fallback with the same data (older clients), and
 * action sets or containers that templating left empty are dropped (the SDK rejects them).
 */
export const CARD_CONVENTIONS: Conventions = {
  finish: (node) => {
    if (node.type === 'Action.Execute' && node.fallback === undefined) {
      const verb = typeof node.verb === 'string' ? node.verb : undefined;
      const data = typeof node.data === 'object' && node.data !== null ? node.data : {};
      node.fallback = { type: 'Action.Submit', title: node.title, data: { ...data, verb } };
    }
  },
  keep: (node) => !isEmptyContainer(node),
  inserted: withConventions,
};

/** A card (or part of one) as expanded by the library, rebuilt with the conventions applied. */
export function withConventions(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(withConventions).filter(CARD_CONVENTIONS.keep);
  }
  if (typeof node !== 'object' || node === null) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) result[key] = withConventions(value);
  CARD_CONVENTIONS.finish(result);
  return result;
}

function isEmptyContainer(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const n = node as Record<string, unknown>;
  if (n.type === 'ActionSet') return !Array.isArray(n.actions) || n.actions.length === 0;
  if (n.type === 'Container') return !Array.isArray(n.items) || n.items.length === 0;
  return false;
}
