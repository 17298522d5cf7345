import { z } from 'zod';

/** Every verb a card of this bot can send back. Defined once; handled by an exhaustive switch in the bot. */
export const CARD_VERBS = [
  'ack',
  'unack',
  'goto',
  'refresh',
  'progress',
  'continue',
  'restart',
  'help',
  'forget',
  'forgetConfirm',
  'forgetCancel',
  'answer',
] as const;
export type CardVerb = (typeof CARD_VERBS)[number];

const id = z.string().min(1).max(80).regex(/^[a-z0-9-]+$/);
/** Which card the action came from, so that the answer refreshes that card in place. */
const view = z.enum(['step', 'checklist', 'complete']).default('step');

export const cardActionSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('ack'), actionId: id, view }),
  z.object({ verb: z.literal('unack'), actionId: id, view }),
  z.object({ verb: z.literal('goto'), stepId: id }),
  z.object({ verb: z.literal('refresh'), view, stepId: id.optional() }),
  z.object({ verb: z.literal('progress') }),
  z.object({ verb: z.literal('continue') }),
  z.object({ verb: z.literal('restart') }),
  z.object({ verb: z.literal('help') }),
  z.object({ verb: z.literal('forget') }),
  z.object({ verb: z.literal('forgetConfirm') }),
  z.object({ verb: z.literal('forgetCancel') }),
  z.object({ verb: z.literal('answer'), intent: id }),
]);

export type CardAction = z.infer<typeof cardActionSchema>;

/**
 * Reads the data of a card action from an invoke (`action.verb` + `action.data`) or an Action.Submit
 * message value. Anything else (another app's card, an old card, garbage) gives undefined.
 */
export function parseCardAction(verb: unknown, data: unknown): CardAction | undefined {
  const base = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {};
  const candidate = typeof verb === 'string' && verb !== '' ? { ...base, verb } : base;
  const parsed = cardActionSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}
