import { z } from 'zod';

/** Stable identifiers: lower-case words joined by hyphens; stored acknowledgements refer to them. */
export const idSchema = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens');
const linkIdSchema = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'must be a camelCase link id');
const text = z.string().trim().min(1, 'must not be empty');

export const ALLOWED_LINK_HOSTS = [
  'support.nhs.net',
  'portal.nhs.net',
  'digital.nhs.uk',
  'www.england.nhs.uk',
  'england.nhs.uk',
  'mysignins.microsoft.com',
] as const;

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' });

export const linkSchema = z.object({
  url: httpsUrl,
  title: text.max(60),
  verified: z.boolean(),
  source: text,
});

export const linksFileSchema = z.object({
  $comment: z.string().optional(),
  links: z.record(linkIdSchema, linkSchema),
});

export const serviceFileSchema = z.object({
  $comment: z.string().optional(),
  serviceName: text.max(40),
  helpdesk: z.object({
    phone: z.string().regex(/^0\d{3} \d{3} \d{4}$/, 'must be a UK number like 0333 200 1133'),
    email: z.email(),
    hours: text,
  }),
  nasContacts: z.array(z.object({ who: text, email: z.email(), source: text })),
});

export const actionSchema = z.object({
  id: idSchema,
  title: text.max(120),
  guidance: z.array(text).min(1),
  links: z.array(linkIdSchema).max(3),
  mustDo: z.boolean(),
});

export const stepSchema = z.object({
  id: idSchema,
  title: text.max(120),
  paragraphs: z.array(text),
  links: z.array(linkIdSchema).max(8),
  actions: z.array(actionSchema),
});

export const journeyFileSchema = z.object({
  $comment: z.string().optional(),
  id: idSchema,
  version: z.number().int().positive(),
  steps: z.array(stepSchema).min(1),
});

export type LinksFile = z.infer<typeof linksFileSchema>;
export type ServiceFile = z.infer<typeof serviceFileSchema>;
export type JourneyFile = z.infer<typeof journeyFileSchema>;

/** An Adaptive Card template: only the outer shape is checked here; the SDK checks the rest in tests. */
export const templateSchema = z
  .object({
    type: z.literal('AdaptiveCard'),
    version: z.enum(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']),
    body: z.array(z.unknown()),
  })
  .loose();

/** The notices the bot can send; copy.json must define each one. */
export const NOTICE_KEYS = [
  'personalOnly',
  'staleCard',
  'saveFailed',
  'forgotten',
  'forgetCancelled',
  'notStarted',
  'didNotUnderstand',
  'tooLong',
  'slowDown',
  'notLocalAdministrator',
  'pushNothingValid',
  'pushTooMany',
] as const;
export type NoticeKey = (typeof NOTICE_KEYS)[number];

export const noticeSchema = z.object({
  title: text.max(120),
  lines: z.array(text).min(1),
  offerContinue: z.boolean(),
  offerChecklist: z.boolean(),
  offerHelp: z.boolean(),
});
export type Notice = z.infer<typeof noticeSchema>;

export const copyFileSchema = z.object({
  $comment: z.string().optional(),
  notices: z.object(Object.fromEntries(NOTICE_KEYS.map((k) => [k, noticeSchema])) as Record<NoticeKey, typeof noticeSchema>).loose(),
});
