import { LRUCache } from 'lru-cache';
import type { Content } from '../content/load';
import type { FeedbackCopy, NoticeKey } from '../content/schema';
import { feedbackView, stepSubject, type FeedbackState, type Subject, type UserVotes } from '../feedback/feedback';
import { allActions, stepIndex, type Action, type Link, type Step } from '../journey/journey';
import { summarise, type Progress } from '../journey/progress';
import { helpLines } from '../routing/commands';
import type { UserRecord } from '../state/users';
import type { CardJson, CardRenderer } from './render';

const HELP_LINES = helpLines('everyone');
const LA_HELP_LINES = helpLines('la');

/** Built once: constructing an Intl.DateTimeFormat costs ~70 µs, formatting with one ~7 µs (see docs/bench.md). */
const UK_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

/** Dates formatted lately, by the UTC hour of the time: a step card shows the date of each tick on it. */
const UK_DATES = new LRUCache<string, string>({ max: 2_000 });

/**
 * A time as the bot stores it (`Date.toISOString()`, always UTC), a valid time of day, from 1900 on (before December
 * 1847 London's time was not a whole number of hours from UTC).
 */
const STORED_UTC = /^(?:19|2\d)\d{2}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;

/**
 * Formats a stored ISO time as a UK date ("24 November 2026"). London is 0 or 1 hour ahead of UTC and changes at
 * 01:00 UTC, so every time within one UTC hour has the same UK date: the hour is the key, and a tick's date is
 * formatted once an hour, not once per tick.
 */
export function ukDate(iso: string): string {
  // Any other string is kept whole, marked so that it cannot stand for an hour.
  const key = STORED_UTC.test(iso) ? iso.slice(0, 13) : `=${iso}`;
  let text = UK_DATES.get(key);
  if (text === undefined) {
    text = UK_DATE.format(new Date(iso));
    UK_DATES.set(key, text);
  }
  return text;
}

/** Who a card is for: their Teams user id (29:…) where known, so that Universal Actions refresh for them. */
export interface Viewer {
  readonly userId: string;
}

/** Builds the cards of the journey from content and a user's progress. Pure apart from rendering. */
export class JourneyCards {
  constructor(
    private readonly content: Content,
    private readonly renderer: CardRenderer,
  ) {}

  /** The card of one step, with the user's ticks (and their vote on it); an unknown step id shows the user's current step. */
  step(progress: Progress, stepId: string, viewer: Viewer, feedback: FeedbackState = { vote: undefined }): CardJson {
    const journey = this.content.journey;
    const index = Math.max(0, stepIndex(journey, stepId));
    const step = journey.steps[index] as Step;
    const summary = summarise(progress, journey);
    const previous = journey.steps[index - 1];
    const next = journey.steps[index + 1];
    // A link already on the card is not offered again further down (the cyber security guide was offered three times).
    const shown = new Set(step.links.map((l) => l.url));
    const actions = step.actions.map((action) => {
      const links = action.links.filter((l) => !shown.has(l.url));
      links.forEach((l) => shown.add(l.url));
      return this.actionView({ ...action, links }, progress);
    });
    const banner =
      index === 0 && progress.startedBy.kind === 'la'
        ? `${progress.startedBy.name}, your Local Administrator, asked me to welcome you.`
        : '';
    return this.renderer.render(
      'step',
      {
        stepNumber: index + 1,
        stepCount: journey.steps.length,
        title: step.title,
        banner,
        paragraphs: step.paragraphs.map((text) => ({ text })),
        linkRows: linkRows(step.links),
        actions,
        done: summary.done,
        total: summary.total,
        mustDoDone: summary.mustDoDone,
        mustDoTotal: summary.mustDoTotal,
        // "Next" and "Back" name the step they open; in rows Teams shows whole.
        navRows: buttonRows([
          ...(previous ? [{ title: `Back: ${previous.title}`, tooltip: `Go back to step ${index}`, stepId: previous.id }] : []),
          ...(next ? [{ title: `Next: ${next.title}`, tooltip: `Go to step ${index + 2}`, stepId: next.id }] : []),
        ]).map((buttons) => ({ buttons })),
        hasNext: next !== undefined,
        feedback: feedbackSection(this.content.feedback, stepSubject(step), feedback),
      },
      { refreshFor: { userId: viewer.userId, data: { verb: 'refresh', view: 'step', stepId: step.id } } },
    );
  }

  /** The checklist: what is left (must-do first) and what is done. */
  checklist(progress: Progress, viewer: Viewer): CardJson {
    const summary = summarise(progress, this.content.journey);
    const done = allActions(this.content.journey)
      .filter((a) => progress.acknowledged[a.id] !== undefined)
      .map((a) => ({ id: a.id, title: a.title }));
    return this.renderer.render(
      'checklist',
      {
        doneActions: done,
        done: summary.done,
        outstanding: summary.outstanding.map((a) => ({ id: a.id, title: a.title, mustDo: a.mustDo, ...toggleTitles(a) })),
        total: summary.total,
        mustDoDone: summary.mustDoDone,
        mustDoTotal: summary.mustDoTotal,
      },
      { refreshFor: { userId: viewer.userId, data: { verb: 'refresh', view: 'checklist' } } },
    );
  }

  /** The card that says the whole checklist is done. */
  complete(progress: Progress, viewer: Viewer): CardJson {
    const summary = summarise(progress, this.content.journey);
    return this.renderer.render(
      'complete',
      { ...this.serviceData(), total: summary.total, supportLink: this.content.links.supportSite },
      { refreshFor: { userId: viewer.userId, data: { verb: 'refresh', view: 'complete' } } },
    );
  }

  /** The card for a view a card action came from. */
  view(view: 'step' | 'checklist' | 'complete', progress: Progress, stepId: string | undefined, viewer: Viewer, feedback?: FeedbackState): CardJson {
    switch (view) {
      case 'checklist':
        return this.checklist(progress, viewer);
      case 'complete':
        return summarise(progress, this.content.journey).complete ? this.complete(progress, viewer) : this.checklist(progress, viewer);
      case 'step':
        return this.step(progress, stepId ?? progress.stepId, viewer, feedback);
    }
  }

  /** The help card; a Local Administrator's also lists their commands and the New starters tab. */
  help(options: { la?: boolean } = {}): CardJson {
    // The command lines come from the bot's one command list (src/routing/commands.ts), as the manifest's do.
    return this.renderer.render('help', { ...this.serviceData(), la: options.la === true, commands: HELP_LINES, laCommands: LA_HELP_LINES });
  }

  /** A short notice from copy.json. */
  notice(key: NoticeKey): CardJson {
    const notice = this.content.notices[key];
    return this.renderer.render('notice', { ...notice, lines: notice.lines.map((text) => ({ text })) });
  }

  /** Asks the user to confirm "forget me". */
  forgetConfirm(progress: Progress | undefined): CardJson {
    const summary = progress ? summarise(progress, this.content.journey) : undefined;
    return this.renderer.render('forget-confirm', {
      ...this.serviceData(),
      done: summary?.done ?? 0,
      total: summary?.total ?? 0,
    });
  }

  /** Everything stored about a user, in words and as JSON ("export my data"), their votes included. */
  myData(record: UserRecord | undefined, progress: Progress | undefined, votes: UserVotes = {}): CardJson {
    const journey = this.content.journey;
    const summary = progress ? summarise(progress, journey) : undefined;
    const notYet = 'not yet';
    const started = progress
      ? `${ukDate(progress.startedAt)}${progress.startedBy.kind === 'la' ? ` (sent by ${progress.startedBy.name}, your Local Administrator)` : ''}`
      : notYet;
    const acknowledged = allActions(journey)
      .filter((a) => progress?.acknowledged[a.id] !== undefined)
      .map((a) => ({ title: a.title, on: ukDate(progress?.acknowledged[a.id] ?? '') }));
    const { reference: _reference, ...storedRecord } = record ?? ({} as Partial<UserRecord>);
    return this.renderer.render('my-data', {
      userId: record?.userId ?? 'unknown',
      aadObjectId: record?.aadObjectId ?? 'unknown',
      address: record?.address ?? 'not known',
      firstSeen: record ? ukDate(record.firstSeenAt) : notYet,
      lastSeen: record ? ukDate(record.lastSeenAt) : notYet,
      welcomeSent: record?.welcome.sentAt ? ukDate(record.welcome.sentAt) : notYet,
      started,
      currentStep: progress ? (journey.steps.find((st) => st.id === progress.stepId)?.title ?? progress.stepId) : notYet,
      done: summary?.done ?? 0,
      total: summary?.total ?? allActions(journey).length,
      acknowledged,
      votes: Object.entries(votes).map(([key, v]) => ({ title: this.subjectTitle(key), said: v.vote === 'helpful' ? 'helpful' : 'not helpful', on: ukDate(v.at) })),
      json: JSON.stringify({ record: storedRecord, progress: progress ?? null, ...(Object.keys(votes).length > 0 ? { feedback: votes } : {}) }, null, 1),
    });
  }

  /** The short introduction posted in a team or group chat. */
  groupIntro(): CardJson {
    return this.renderer.render('group-intro', this.serviceData());
  }

  /** The title of an answer or step a vote is about ("answer:mfa"), or its key if the content no longer has it. */
  private subjectTitle(key: string): string {
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    const title = kind === 'answer' ? this.content.intents.answers.get(id)?.title : this.content.journey.steps.find((s) => s.id === id)?.title;
    return title ?? key;
  }

  private actionView(action: Action, progress: Progress): object {
    const at = progress.acknowledged[action.id];
    return {
      id: action.id,
      title: action.title,
      mustDo: action.mustDo,
      guidance: action.guidance.map((text) => ({ text })),
      ...toggleTitles(action),
      ...actionButtons(action.links, toggleTitles(action).doneTitle),
      acknowledged: at !== undefined,
      doneOn: at !== undefined ? ukDate(at) : '',
    };
  }

  private serviceData(): object {
    return { service: this.content.service.name, helpdesk: this.content.service.helpdesk };
  }
}


/** Teams shows at most 5 buttons in a row; longer link lists wrap onto further rows. */
const MAX_BUTTONS_PER_ROW = 5;

/**
 * How much button text one row holds on desktop before Teams cuts titles short ("Mark as d…"): characters of
 * the titles plus 5 per button (its padding and gap), for a card about 540 px wide. Measured in the gallery:
 * 74 is the most that fits at 540 px; 60 leaves room for Teams' own font and narrower chat panes. On mobile
 * Teams stacks buttons, one per line, whatever the rows.
 */
const ROW_BUDGET = 60;

/** The title of the button that ticks an action (the longer of its two states, so ticking never moves it). */
const TOGGLE_TITLE = 'Mark as done';

/**
 * The names of an action's tick and undo buttons. Each names its action: a screen reader reads only the title, and a
 * card with seven actions must not have seven buttons called "Mark as done".
 */
export function toggleTitles(action: { readonly short: string }): { doneTitle: string; undoTitle: string } {
  return { doneTitle: `${TOGGLE_TITLE}: ${action.short}`, undoTitle: `Undo: ${action.short}` };
}

/** The "Was this helpful?" section of an answer or step card: prompt, the user's vote in words, and the buttons in rows. */
export function feedbackSection(copy: FeedbackCopy, subject: Subject, state: FeedbackState): object {
  const { prompt, status, buttons } = feedbackView(copy, subject, state);
  return { prompt, status, rows: buttonRows(buttons).map((row) => ({ buttons: row })) };
}

/** Whether a row of buttons with these titles shows each title whole: at most 5 buttons, within ROW_BUDGET. */
function fitsRow(titles: readonly string[]): boolean {
  return titles.length <= MAX_BUTTONS_PER_ROW && titles.reduce((sum, title) => sum + title.length + 5, 0) <= ROW_BUDGET;
}

/** Links with the same URL (unverified pages all point at the knowledge base) become one button. */
function dedupeByUrl(links: readonly Link[]): Link[] {
  const seen = new Set<string>();
  return links.filter((link) => !seen.has(link.url) && seen.add(link.url) !== undefined);
}

/** Buttons in rows Teams can show whole: at most 5 a row, within ROW_BUDGET, in order. */
export function buttonRows<T extends { readonly title: string }>(buttons: readonly T[]): T[][] {
  const rows: T[][] = [];
  for (const button of buttons) {
    const last = rows.at(-1);
    if (last && fitsRow([...last.map((b) => b.title), button.title])) last.push(button);
    else rows.push([button]);
  }
  return rows;
}

/** Link buttons in rows Teams can show whole, duplicates (same URL) removed. */
export function linkRows(links: readonly Link[]): { links: Link[] }[] {
  return buttonRows(dedupeByUrl(links)).map((row) => ({ links: row }));
}

/**
 * An action's buttons: its links in rows, and the "Mark as done" toggle after them, in the last row when it fits
 * there whole and on a row of its own when it does not. `linkRows` are the rows above the toggle's row,
 * `rowLinks` the links that share the toggle's row.
 */
export function actionButtons(links: readonly Link[], toggleTitle: string = TOGGLE_TITLE): { linkRows: { links: Link[] }[]; rowLinks: Link[] } {
  const rows = linkRows(links);
  const last = rows.at(-1);
  if (last && fitsRow([...last.links.map((l) => l.title), toggleTitle])) {
    return { linkRows: rows.slice(0, -1), rowLinks: last.links };
  }
  return { linkRows: rows, rowLinks: [] };
}
