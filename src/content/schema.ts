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
  /** "la": a Local Administrator's procedure (creating a shared mailbox, marking a leaver), never shown to starters. */
  audience: z.enum(['everyone', 'la']).default('everyone'),
});

export const linksFileSchema = z.object({
  $comment: z.string().optional(),
  /** The button of an unverified link, which opens the knowledge base until LINK_OVERRIDES names the real page. */
  unverifiedTitle: text.max(60),
  links: z.record(linkIdSchema, linkSchema),
});

/** True when a URL is https and its host is on the allow-list (links.json and LINK_OVERRIDES alike). */
export function linkHostProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:') return 'must be an https URL';
  if (!(ALLOWED_LINK_HOSTS as readonly string[]).includes(parsed.hostname)) return `host ${parsed.hostname} is not on the allow-list`;
  return undefined;
}

export const serviceFileSchema = z.object({
  $comment: z.string().optional(),
  serviceName: text.max(40),
  helpdesk: z.object({
    phone: z.string().regex(/^0\d{3} \d{3} \d{4}$/, 'must be a UK number like 0333 200 1133'),
    email: z.email(),
    hours: text,
  }),
});

export const actionSchema = z.object({
  id: idSchema,
  title: text.max(120),
  short: text.max(30),
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
  'introduction',
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

const reminderText = z.string().trim().min(1).max(400);

/** The reminder (nudge) card's words; besides the service tokens they may use the starter's counts. */
export const reminderCopySchema = z.object({
  $comment: z.string().optional(),
  title: reminderText.max(120),
  lines: z.array(reminderText).min(1),
  listHeading: reminderText.max(80),
  progressLine: reminderText.max(120),
  continueTitle: reminderText.max(40),
  checklistTitle: reminderText.max(40),
});
export type ReminderCopy = z.infer<typeof reminderCopySchema>;

const feedbackText = z.string().trim().min(1).max(200);
const withToken = (token: string, max: number) => feedbackText.max(max).refine((t) => t.includes(`{${token}}`), `must contain {${token}}`);

/**
 * The words of the "Helpful" / "Not helpful" section of answer and step cards. A button's name says what it is about
 * ({subject}: "this answer", "this step"; a screen reader reads only the name) and stays short enough for a phone;
 * its tooltip names the answer or step by its title ({title}).
 */
export const feedbackCopySchema = z.object({
  $comment: z.string().optional(),
  prompt: feedbackText.max(80),
  helpful: withToken('subject', 30),
  notHelpful: withToken('subject', 30),
  subjects: z.object({ answer: feedbackText.max(16), step: feedbackText.max(16) }),
  helpfulTooltip: withToken('title', 120),
  notHelpfulTooltip: withToken('title', 120),
  votedHelpful: feedbackText,
  votedNotHelpful: feedbackText,
  changed: feedbackText,
});
export type FeedbackCopy = z.infer<typeof feedbackCopySchema>;

export const copyFileSchema = z.object({
  $comment: z.string().optional(),
  notices: z.object(Object.fromEntries(NOTICE_KEYS.map((k) => [k, noticeSchema])) as Record<NoticeKey, typeof noticeSchema>).loose(),
  reminder: reminderCopySchema,
  feedback: feedbackCopySchema,
});

/** The intents tools and reports rely on: the intent map must define each of these ids. */
export const REQUIRED_INTENT_IDS = [
  'password-reset',
  'account-locked',
  'find-la',
  'helpdesk',
  'mfa',
  'account-secret',
  'mobile-number',
  'profile-update',
  'mailbox-quota',
  'encryption',
  'phishing',
  'compromised',
  'service-status',
  'teams',
  'training',
  'transparency',
  'nas',
  'change-organisation',
  'shared-mailbox',
  'directory',
] as const;

/** The safety intents: tried before the topic intents, and their answer wins when a message carries a safety signal. */
export const REQUIRED_SAFETY_INTENT_IDS = ['password-asked', 'sharing-password', 'password-entered', 'phishing', 'compromised', 'secret-asked'] as const;

const matchText = z.string().trim().min(1, 'must not be empty').max(80);

export const intentSchema = z.object({
  id: idSchema,
  title: text.max(80),
  phrases: z.array(matchText).min(1),
  keywords: z.record(matchText, z.number().positive().max(5)),
  requires: z.array(matchText),
  guards: z.array(matchText),
  answer: z.object({
    lines: z.array(text.max(600)).min(1).max(6),
    links: z.array(linkIdSchema).max(5),
    /** Shown first when a Local Administrator sent the user the welcome; {la} is their name as the push recorded it. */
    sentByLa: text
      .max(300)
      .regex(/\{la\}/, 'must name the Local Administrator with {la}')
      .optional(),
  }),
  actionId: idSchema.optional(),
  related: z.array(idSchema).max(3),
});

/**
 * A safety signal: words that show a message is about keeping an account safe (someone asking for a password, a
 * link to click, "verify my account", fake, scam). Any of its phrases present, and none of its guards, makes the
 * safety answer win over any topic answer; `intent` is the safety intent it points to when none scores higher.
 */
export const safetySignalSchema = z.object({
  id: idSchema,
  intent: idSchema,
  phrases: z.array(matchText).min(1).max(60),
  guards: z.array(matchText).max(60),
});

export const intentsFileSchema = z.object({
  $comment: z.string().optional(),
  threshold: z.number().positive().max(20),
  stopwords: z.array(matchText),
  /** Words ending in s that are not plurals ("teams" is the product, not more than one team). */
  notPlurals: z.array(z.string().regex(/^[a-z]+s$/, 'must be one lower-case word ending in s')).max(200),
  spellings: z.record(matchText, matchText),
  synonyms: z.record(matchText, z.array(matchText).min(1)),
  fallback: z.object({ title: text.max(120), lines: z.array(text.max(600)).min(1).max(4) }),
  /** The fallback for a question with nothing of the service in it (a canteen menu): not the national helpdesk. */
  offTopic: z.object({ title: text.max(120), lines: z.array(text.max(600)).min(1).max(4) }),
  didYouMean: z.object({ title: text.max(120), lines: z.array(text.max(300)).max(2) }),
  safety: z.object({
    $comment: z.string().optional(),
    /** Leads the topic a safety answer offers after its advice. */
    alsoAsked: text.max(80),
    signals: z.array(safetySignalSchema).min(1).max(40),
    intents: z.array(intentSchema).min(1).max(20),
  }),
  intents: z.array(intentSchema).min(1),
});
