import { z } from 'zod';
import type { Activity } from 'botbuilder';
import type { ChatAddress } from '../state/chatAddress';
import type { UserRef } from '../state/users';

const activityIdentity = z.object({
  channelId: z.string().min(1).max(64),
  from: z.object({ id: z.string().min(1).max(256), aadObjectId: z.string().max(64).optional() }),
  conversation: z.object({
    id: z.string().min(1).max(512),
    conversationType: z.string().max(32).optional(),
    tenantId: z.string().max(64).optional(),
  }),
  channelData: z
    .object({ tenant: z.object({ id: z.string().max(64) }).optional() })
    .loose()
    .optional(),
});

/** Where an activity happened: a personal (1:1) chat, or a shared one (group chat or channel). */
export type Scope = 'personal' | 'shared';

/** The user an activity comes from and where, or undefined when the activity lacks the ids Teams always sends. */
export function identify(activity: Partial<Activity>): { user: UserRef; scope: Scope } | undefined {
  const parsed = activityIdentity.safeParse(activity);
  if (!parsed.success) return undefined;
  const a = parsed.data;
  const tenantId = a.conversation.tenantId ?? a.channelData?.tenant?.id ?? 'no-tenant';
  const type = a.conversation.conversationType;
  return {
    scope: type === undefined || type === 'personal' ? 'personal' : 'shared',
    user: {
      channelId: a.channelId,
      tenantId,
      userId: a.from.id,
      aadObjectId: a.from.aadObjectId,
      conversationId: a.conversation.id,
    },
  };
}

/** Longest display name kept (Teams names are far shorter; a longer one is cut, never stored whole). */
export const MAX_NAME_LENGTH = 256;

const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' ? value.slice(0, max) : undefined);

/**
 * How to reach the user again, from an activity: only the fields a proactive send needs, each a string with a cap.
 * botbuilder's TurnContext.getConversationReference copies `from`, `recipient` and `conversation` whole, so a
 * 200 KB name or a deeply nested object in them would be stored (or make the write fail, and the user never welcomed).
 */
export function chatAddress(activity: Partial<Activity>): ChatAddress {
  const from = (activity.from ?? {}) as unknown as Record<string, unknown>;
  const bot = (activity.recipient ?? {}) as unknown as Record<string, unknown>;
  const conversation = (activity.conversation ?? {}) as unknown as Record<string, unknown>;
  // Fields Teams left out stay out (as they would through JSON), in the order earlier releases stored them.
  return {
    ...present('channelId', text(activity.channelId, 64)),
    ...present('serviceUrl', text(activity.serviceUrl, 2048)),
    ...present('locale', text(activity.locale, 32)),
    user: { id: text(from.id, 256) ?? '', name: text(from.name, MAX_NAME_LENGTH) ?? '', ...present('aadObjectId', text(from.aadObjectId, 64)) },
    bot: { id: text(bot.id, 256) ?? '', name: text(bot.name, MAX_NAME_LENGTH) ?? '' },
    conversation: {
      id: text(conversation.id, 512) ?? '',
      name: '',
      isGroup: conversation.isGroup === true,
      conversationType: text(conversation.conversationType, 32) ?? '',
      ...present('tenantId', text(conversation.tenantId, 64)),
    },
  };
}

/** `{ [key]: value }`, or nothing when the value is undefined. */
function present<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: string });
}
