import { z } from 'zod';
import type { Activity } from 'botbuilder';
import type { UserRef } from '../state/users';

const activityIdentity = z.object({
  channelId: z.string().min(1).max(64),
  from: z.object({ id: z.string().min(1).max(256), aadObjectId: z.string().max(64).optional() }),
  conversation: z.object({
    id: z.string().min(1).max(512),
    conversationType: z.string().max(32).optional(),
    tenantId: z.string().max(64).optional(),
  }),
  channelData: z.object({ tenant: z.object({ id: z.string().max(64) }).optional() }).loose().optional(),
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
