/**
 * Storage keys. Progress lives where botbuilder's PrivateConversationState keeps state
 * ("{channel}/conversations/{conversation}/users/{user}"): the state of the user's personal
 * conversation, keyed by user as well, so a shared conversation can never mix two users.
 */
export const keys = {
  progress: (channelId: string, conversationId: string, userId: string): string =>
    `${channelId}/conversations/${conversationId}/users/${userId}`,
  user: (tenantId: string, userKey: string): string => `directory/${tenantId}/users/${userKey.toLowerCase()}`,
  groupIntro: (channelId: string, conversationId: string): string => `${channelId}/conversations/${conversationId}/intro`,
  /** The completion funnel's tally for the starters welcomed in one ISO week (counts only). */
  funnelWeek: (week: string): string => `funnel/weeks/${week}`,
  /** The completion funnel's tally for one push's starters (counts only). */
  funnelPush: (pushId: string): string => `funnel/pushes/${encodeURIComponent(pushId)}`,
};
