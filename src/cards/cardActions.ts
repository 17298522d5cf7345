import { z } from 'zod';
import { PROGRESS_FILTERS, pushIdSchema } from '../admin/intake';
import { SUBJECT_KINDS, VOTES } from '../feedback/feedback';

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
  'feedback',
  'laHome',
  'push',
  'pushStatus',
  'pushResend',
  'laStatus',
] as const;
export type CardVerb = (typeof CARD_VERBS)[number];

const id = z.string().min(1).max(80).regex(/^[a-z0-9-]+$/);
/** Which card the action came from, so that the answer refreshes that card in place. */
const view = z.enum(['step', 'checklist', 'complete']).default('step');

const journeyActions = [
  // `intent`: pressed on an answer card, which is shown again with the tick.
  z.object({ verb: z.literal('ack'), actionId: id, view, intent: id.optional() }),
  z.object({ verb: z.literal('unack'), actionId: id, view, intent: id.optional() }),
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
  // "Helpful" / "Not helpful": which answer or step, the fingerprint of the words the card showed, and (answers) the
  // masked question the card answered. An old card's fingerprint no longer matches: its vote is not counted.
  z.object({
    verb: z.literal('feedback'),
    subject: z.enum(SUBJECT_KINDS),
    id,
    rev: z.string().regex(/^[a-f0-9]{12}$/),
    vote: z.enum(VOTES),
    q: z.string().max(300).default(''),
  }),
] as const;

const adminActions = [
  z.object({ verb: z.literal('laHome') }),
  // Teams merges the card's inputs into the action data: the multi-line "addresses" box.
  z.object({ verb: z.literal('push'), addresses: z.string().max(20000).default('') }),
  z.object({ verb: z.literal('pushStatus'), pushId: pushIdSchema }),
  z.object({ verb: z.literal('pushResend'), pushId: pushIdSchema }),
  // The status card's filter inputs, merged into the data by Teams ("all", or nothing, is no filter).
  z.object({
    verb: z.literal('laStatus'),
    push: z.union([z.literal(''), pushIdSchema]).optional().transform((p) => (p === 'all' || p === '' ? undefined : p)),
    progress: z.union([z.literal(''), z.literal('all'), z.enum(PROGRESS_FILTERS)]).optional().transform((p) => (p === 'all' || p === '' ? undefined : p)),
  }),
] as const;

export const cardActionSchema = z.discriminatedUnion('verb', [...journeyActions, ...adminActions]);

export type CardAction = z.infer<typeof cardActionSchema>;
/** Buttons of the Local Administrator cards. */
export type AdminCardAction = z.infer<(typeof adminActions)[number]>;
/** Buttons of the journey and answer cards. */
export type JourneyCardAction = Exclude<CardAction, AdminCardAction>;


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
