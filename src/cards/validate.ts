import * as AC from 'adaptivecards';

/** Teams renders Adaptive Cards up to schema 1.5. */
export const MAX_CARD_VERSION = 1.5;
/** Well inside Teams' ~28 KB message limit once the activity envelope is added. */
export const MAX_CARD_BYTES = 28 * 1024;

/**
 * Problems with a card as Teams would see it: the adaptivecards SDK's parse and validation events, a version
 * above 1.5, a size above 28 KB, and the accessibility rules of this project (every button has a title, every
 * image alt text, every link https). An empty list means the card is fit to send.
 */
export function cardProblems(card: object): string[] {
  const problems: string[] = [];
  const json = JSON.stringify(card);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_CARD_BYTES) problems.push(`card is ${bytes} bytes, over ${MAX_CARD_BYTES}`);
  const version = Number((card as { version?: unknown }).version);
  if (!(version > 0 && version <= MAX_CARD_VERSION)) problems.push(`version ${String((card as { version?: unknown }).version)} is not 1.0–1.5`);

  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validation: ${event.message}`);

  walk(card, (node, path) => {
    const type = typeof node.type === 'string' ? node.type : '';
    if (type.startsWith('Action.') && (typeof node.title !== 'string' || node.title.trim() === '')) problems.push(`${path}: ${type} without a title`);
    if (type === 'Image' && (typeof node.altText !== 'string' || node.altText.trim() === '')) problems.push(`${path}: Image without altText`);
    if (typeof node.url === 'string' && !node.url.startsWith('https://')) problems.push(`${path}: url ${node.url} is not https`);
    if (type === 'TextBlock' && typeof node.text === 'string' && node.text.includes('${')) problems.push(`${path}: unbound template expression in "${node.text}"`);
  });
  return problems;
}

function walk(value: unknown, visit: (node: Record<string, unknown>, path: string) => void, path = '$'): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, visit, `${path}[${i}]`));
  else if (typeof value === 'object' && value !== null) {
    visit(value as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(value)) walk(v, visit, `${path}.${k}`);
  }
}
