/** Reading what a user would see on cards the bot sent: the text of every TextBlock and button title. */
import type { ActivityRecord } from './teamsEmulator';

type Node = unknown;

/** All visible text of a card (TextBlocks, FactSets, button titles), in order, joined by newlines. */
export function cardText(card: Node): string {
  const out: string[] = [];
  const walk = (n: Node): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (typeof n !== 'object' || n === null) return;
    const o = n as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if (o.type === 'FactSet' && Array.isArray(o.facts)) for (const f of o.facts as { title: string; value: string }[]) out.push(`${f.title}: ${f.value}`);
    if (typeof o.type === 'string' && o.type.startsWith('Action.') && typeof o.title === 'string') out.push(`[${o.title}]`);
    for (const [key, value] of Object.entries(o)) if (key !== 'fallback' && key !== 'refresh') walk(value);
  };
  walk(card);
  return out.join('\n');
}

/** The Adaptive Card attached to an activity the bot sent, or undefined. */
export function cardOf(record: ActivityRecord | { activity: Record<string, unknown> }): Record<string, unknown> | undefined {
  const attachments = record.activity['attachments'];
  if (!Array.isArray(attachments)) return undefined;
  const card = attachments.find(
    (a) => typeof a === 'object' && a !== null && (a as Record<string, unknown>)['contentType'] === 'application/vnd.microsoft.card.adaptive',
  ) as Record<string, unknown> | undefined;
  return card?.['content'] as Record<string, unknown> | undefined;
}

/** Every Action.Execute / Action.Submit button on a card, with its data. */
export function buttons(card: Node): { title: string; verb?: string; data: Record<string, unknown> }[] {
  const out: { title: string; verb?: string; data: Record<string, unknown> }[] = [];
  const walk = (n: Node): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (typeof n !== 'object' || n === null) return;
    const o = n as Record<string, unknown>;
    if (o.type === 'Action.Execute') {
      out.push({ title: String(o.title), verb: String(o.verb), data: (o.data ?? {}) as Record<string, unknown> });
      return;
    }
    for (const [key, value] of Object.entries(o)) if (key !== 'refresh') walk(value);
  };
  walk(card);
  return out;
}
