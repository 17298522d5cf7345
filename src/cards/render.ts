import { Template } from 'adaptivecards-templating';
import type { CardAction } from './cardActions';

/** An Adaptive Card as JSON, ready to attach. */
export type CardJson = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

export interface RenderOptions {
  /**
   * Universal Actions refresh: Teams asks for the latest card when the user views it. The user is named (by
   * Teams id) where known; a card refreshes for anyone in a chat of fewer than 60 people either way.
   */
  readonly refreshFor?: { readonly userId: string; readonly data: CardAction };
}

/** Expands card templates (adaptivecards-templating) and applies the project's card conventions. */
export class CardRenderer {
  private readonly templates = new Map<string, Template>();

  constructor(templates: Readonly<Record<string, object>>) {
    for (const [name, json] of Object.entries(templates)) this.templates.set(name, new Template(json));
  }

  /** The template names available. */
  names(): string[] {
    return [...this.templates.keys()];
  }

  /** Renders a template with data; throws for an unknown template name (a programming error). */
  render(name: string, data: object, options: RenderOptions = {}): CardJson {
    const template = this.templates.get(name);
    if (!template) throw new Error(`unknown card template "${name}"`);
    const card = tidy(template.expand({ $root: data })) as CardJson;
    if (options.refreshFor) {
      const { userId, data } = options.refreshFor;
      card.refresh = {
        action: { type: 'Action.Execute', verb: 'refresh', title: 'Refresh', data },
        // userIds takes Teams ids (29:…). A starter an LA welcomed is known only by Entra object id until they
        // first write; without userIds Teams still refreshes automatically in chats of fewer than 60 people.
        ...(userId.startsWith('29:') ? { userIds: [userId] } : {}),
      };
    }
    return card;
  }
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
