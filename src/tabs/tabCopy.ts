import { z } from 'zod';

/** A titled message shown instead of a tab's content (outside Teams, refused, sign-in failed). */
const message = z.object({ title: z.string().min(1), lines: z.array(z.string().min(1)).min(1) }).strict();
const text = z.string().min(1);

/** cards/tabs.json: every word the two tabs show that does not come from the API. */
export const tabCopySchema = z
  .object({
    $comment: z.string().optional(),
    common: z
      .object({
        loading: text,
        outsideTeams: message,
        signInFailed: message,
        notConfigured: message,
        serverError: message,
        retry: text,
      })
      .strict(),
    checklist: z
      .object({
        documentTitle: text,
        heading: text,
        intro: text,
        loading: text,
        progressHeading: text,
        progressLabel: text,
        progressText: text,
        mustDoText: text,
        allMustDoDone: text,
        mustDoBadge: text,
        doneOn: text,
        notDone: text,
        linksLabel: text,
        ticked: text,
        unticked: text,
        saving: text,
        saveFailed: text,
        outOfDate: text,
        loaded: text,
        notStarted: message,
      })
      .strict(),
    starters: z
      .object({
        documentTitle: text,
        heading: text,
        intro: text,
        loading: text,
        pushHeading: text,
        addressesLabel: text,
        addressesHint: text,
        send: text,
        sending: text,
        emptyAddresses: text,
        pushQueued: text,
        pushQueuedOne: text,
        invalidList: text,
        otherDomainList: text,
        duplicates: text,
        pushRefused: text,
        tableHeading: text,
        tableCaption: text,
        refresh: text,
        refreshed: text,
        refreshedOne: text,
        columns: z.object({ address: text, status: text, progress: text, mustDo: text, lastActive: text }).strict(),
        progressText: text,
        mustDoText: text,
        noProgress: text,
        noStarters: text,
        filtersLabel: text,
        filterPush: text,
        filterAllPushes: text,
        filterProgress: text,
        progressChoices: z.object({ all: text, notStarted: text, mustDoOutstanding: text, finished: text }).strict(),
        noMatch: text,
        download: text,
        downloaded: text,
        downloadFailed: text,
        resend: text,
        resent: text,
        resentNone: text,
        resendHint: text,
        refused: message,
      })
      .strict(),
  })
  .strict();

export type TabCopy = z.infer<typeof tabCopySchema>;
export type TabMessage = z.infer<typeof message>;
