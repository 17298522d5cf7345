import { z } from 'zod';
import type { StarterView } from './adminCards';
import { toCsv } from './csv';

/** How far a starter has got, as an LA filters them: nothing ticked, must-do actions left, or every must-do done. */
export const PROGRESS_FILTERS = ['notStarted', 'mustDoOutstanding', 'finished'] as const;
export type ProgressFilter = (typeof PROGRESS_FILTERS)[number];

/** Which of the LA's starters to show: one push, one stage of progress, or both. */
export interface StarterFilter {
  readonly pushId?: string | undefined;
  readonly progress?: ProgressFilter | undefined;
}

/** A push id as the bot makes them (a UUID); anything else is refused at the boundary. */
export const pushIdSchema = z.string().regex(/^[a-zA-Z0-9-]{1,64}$/);

/** The filter as the API's query string and the status card's inputs give it; empty means "all". */
export const starterFilterSchema = z
  .object({
    push: z.union([z.literal(''), pushIdSchema]).optional(),
    progress: z.union([z.literal(''), z.enum(PROGRESS_FILTERS)]).optional(),
  })
  .strict()
  .transform((q): StarterFilter => ({ pushId: q.push || undefined, progress: q.progress || undefined }));

/**
 * Where a starter is: not started (nothing ticked, or not welcomed yet), must-do actions outstanding (started, a
 * must-do left), finished (every must-do action done; the other actions are optional).
 */
export function progressStage(view: Pick<StarterView, 'progress'>): ProgressFilter {
  const p = view.progress;
  if (!p || p.done === 0) return 'notStarted';
  return p.mustDoDone < p.mustDoTotal ? 'mustDoOutstanding' : 'finished';
}

/** Keeps the starters at the filter's stage (the push is chosen before, where the starters are read). */
export function byProgress(starters: readonly StarterView[], filter: StarterFilter): StarterView[] {
  return filter.progress ? starters.filter((s) => progressStage(s) === filter.progress) : [...starters];
}

/** The export's columns. */
export const CSV_HEADER = ['Address', 'Sent at', 'Must-do done', 'Actions done', 'Last seen', 'Status'] as const;

/** The LA's starters as CSV: times in ISO 8601 (UTC), counts as "n of m" (a spreadsheet reads "2/3" as a date). */
export function startersCsv(starters: readonly StarterView[], statusText: (s: StarterView) => string): string {
  return toCsv(
    CSV_HEADER,
    starters.map((s) => [
      s.address,
      s.sentAt ?? '',
      s.progress ? `${s.progress.mustDoDone} of ${s.progress.mustDoTotal}` : '',
      s.progress ? `${s.progress.done} of ${s.progress.total}` : '',
      s.progress?.lastSeen ?? '',
      statusText(s),
    ]),
  );
}
