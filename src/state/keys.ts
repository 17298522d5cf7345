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
  /** A user's own "Helpful" / "Not helpful" votes (erased by forget me and retention with the rest of their data). */
  feedbackVotes: (tenantId: string, userKey: string): string => `feedback/votes/${tenantId}/${userKey.toLowerCase()}`,
  /** The anonymous tally of one answer or step: counts and the masked questions behind "not helpful". */
  feedbackTally: (subject: 'answer' | 'step', id: string): string => `feedback/tallies/${subject}/${id}`,
  /** Where every tally lives (the report and the retention sweep list it; it grows with the content, not the users). */
  feedbackTallies: 'feedback/tallies/',
};
