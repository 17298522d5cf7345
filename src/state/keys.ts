/**
 * Every storage key the bot writes, built here and nowhere else, so the layout of the store reads in one place (and
 * docs/storage.md and the assessment pack can be checked against it). Ids chosen by Teams or typed by an LA are
 * lower-cased where they are case-insensitive (object ids, addresses).
 *
 * Progress lives where botbuilder's PrivateConversationState keeps state ("{channel}/conversations/{conversation}/
 * users/{user}"): the state of the user's personal conversation, keyed by user as well, so a shared conversation can
 * never mix two users.
 */
export const keys = {
  progress: (channelId: string, conversationId: string, userId: string): string => `${channelId}/conversations/${conversationId}/users/${userId}`,
  groupIntro: (channelId: string, conversationId: string): string => `${channelId}/conversations/${conversationId}/intro`,

  /** A user's directory record (how to reach them, the welcome claim, reminders). */
  user: (tenantId: string, userKey: string): string => `directory/${tenantId}/users/${userKey.toLowerCase()}`,
  /** An address (UPN) → object id, learnt from Teams or Graph, for LA pushes. */
  address: (tenantId: string, address: string): string => `directory/${tenantId}/addresses/${address.toLowerCase()}`,

  /** A welcome an LA sent before the starter had a chat, by object id and by address. */
  pendingByObjectId: (tenantId: string, aadObjectId: string): string => `pending/${tenantId}/aad/${aadObjectId.toLowerCase()}`,
  pendingByAddress: (tenantId: string, address: string): string => `pending/${tenantId}/address/${address.toLowerCase()}`,
  pendingAnyByAddress: (tenantId: string): string => `pending/${tenantId}/any-by-address`,

  /** An LA's push, each recipient's status, and the list of an LA's pushes. */
  push: (pushId: string): string => `pushes/${pushId}`,
  pushRecipient: (pushId: string, address: string): string => `pushes/${pushId}/recipients/${address.toLowerCase()}`,
  laPushes: (tenantId: string, laObjectId: string): string => `la/${tenantId}/${laObjectId.toLowerCase()}/pushes`,
  /** Marks that a Local Administrator was shown their commands once (first contact). */
  laIntroduced: (tenantId: string, aadObjectId: string): string => `la/${tenantId}/${aadObjectId.toLowerCase()}/introduced`,

  /** A user's own "Helpful" / "Not helpful" votes (erased by forget me and retention with the rest of their data). */
  feedbackVotes: (tenantId: string, userKey: string): string => `feedback/votes/${tenantId}/${userKey.toLowerCase()}`,
  /** The anonymous tally of one answer or step: counts and the masked questions behind "not helpful". */
  feedbackTally: (subject: 'answer' | 'step', id: string): string => `${prefixes.feedbackTallies}${subject}/${id}`,

  /** The completion funnel's tally for the starters welcomed in one ISO week (counts only). */
  funnelWeek: (week: string): string => `funnel/weeks/${week}`,
  /** The completion funnel's tally for one push's starters (counts only). */
  funnelPush: (pushId: string): string => `funnel/pushes/${encodeURIComponent(pushId)}`,

  /** A question the bot could not answer (redacted), ordered by time. */
  unanswered: (at: string, id: string): string => `${prefixes.unanswered}${at}-${id}`,

  /** A delivery waiting in the store's queue, or poisoned; an Azure queue message's id mark. */
  job: (id: string): string => `${prefixes.jobs}${id}`,
  poisoned: (id: string): string => `${prefixes.poisoned}${id}`,
  queued: (id: string): string => `${prefixes.queued}${id}`,

  /**
   * A due-index entry: "look at this user on or after <day>" (UTC). The day is in the key's first segment, so the
   * file store lists one day without opening other days' files.
   */
  dueEntry: (rule: string, day: string, recordKey: string): string => `${prefixes.dueDay(rule, day)}${recordKey.slice(prefixes.directory.length)}`,
  /** A due index's own state (the settings it was built with, the first day a sweep reads). */
  dueState: (rule: string): string => `${prefixes.dueState}${rule}`,
};

/** The prefixes the bot lists (scheduled jobs, the queue, reports; never a turn). */
export const prefixes = {
  directory: 'directory/',
  unanswered: 'unanswered/',
  /** Every feedback tally (the report and the retention sweep list it: it grows with the content, not the users). */
  feedbackTallies: 'feedback/tallies/',
  jobs: 'deliveries/jobs/',
  poisoned: 'deliveries/poison/',
  queued: 'deliveries/queued/',
  dueState: 'index-state/',
  dueDay: (rule: string, day: string): string => `index-${rule}-${day}/`,
};

/** Ids of queued deliveries: one per starter and push, reminder stage, or install welcome, so queueing is idempotent. */
export const jobIds = {
  welcome: (pushId: string, address: string): string => `welcome/${pushId}/${address.toLowerCase()}`,
  reminder: (tenantId: string, userKey: string, stage: number): string => `reminder/${tenantId}/${userKey.toLowerCase()}/${stage}`,
  installWelcome: (tenantId: string, userKey: string): string =>
    `install-welcome/${encodeURIComponent(tenantId.toLowerCase())}/${encodeURIComponent(userKey.toLowerCase())}`,
};
