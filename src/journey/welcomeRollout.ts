import type { AccountDates } from '../graph/graphClient';
import type { StartedBy } from './progress';
import type { Logger } from '../log';
import { errorSummary } from '../errorSummary';
import type { WelcomeKind } from './journeyFlow';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a welcome waits for Graph before it gives up and sends the full journey. */
const LOOKUP_TIMEOUT_MS = 3000;

/**
 * Which date says how new an account is: the hire date where HR set it (an account is often made weeks before
 * someone starts, or reused), else the date the account was created. Undefined when Graph gave neither.
 */
export function accountStart(dates: AccountDates | undefined): string | undefined {
  return dates?.employeeHireDate ?? dates?.createdDateTime;
}

/**
 * The first card for a welcome the user's own install (or first message) triggers. Outside rollout mode, or when
 * the account's age is unknown, the journey: a new starter wrongly introduced would miss their must-do actions,
 * while a long-standing user wrongly welcomed only sees a checklist they can ignore.
 */
export function welcomeKindFor(dates: AccountDates | undefined, withinDays: number | undefined, now: Date): WelcomeKind {
  if (withinDays === undefined) return 'journey';
  const start = accountStart(dates);
  if (start === undefined) return 'journey';
  const ageDays = (now.getTime() - Date.parse(start)) / DAY_MS;
  return ageDays > withinDays ? 'introduction' : 'journey';
}

/**
 * Rollout mode (WELCOME_NEW_ACCOUNTS_WITHIN_DAYS): when a whole organisation gets the app, long-standing users
 * get a one-card introduction instead of the welcome journey. Reads the account's dates from Graph; Graph not
 * configured, silent, slow or failing means the full welcome. An LA's push is always the journey.
 */
export class WelcomeRollout {
  constructor(
    private readonly deps: {
      readonly withinDays: number | undefined;
      /** Graph's account dates (undefined: Graph not configured). */
      readonly lookup: ((aadObjectId: string, signal: AbortSignal) => Promise<AccountDates | undefined>) | undefined;
      readonly now: () => Date;
      readonly log: Logger;
      readonly timeoutMs?: number;
    },
  ) {}

  /** Whether rollout mode is on (a window is set and Graph can tell account ages). */
  get active(): boolean {
    return this.deps.withinDays !== undefined && this.deps.lookup !== undefined;
  }

  /** The welcome's first card for this user. */
  async kindFor(aadObjectId: string | undefined, startedBy: StartedBy): Promise<WelcomeKind> {
    const { lookup, withinDays } = this.deps;
    if (startedBy.kind === 'la' || withinDays === undefined || lookup === undefined || aadObjectId === undefined) return 'journey';
    let dates: AccountDates | undefined;
    try {
      dates = await lookup(aadObjectId, AbortSignal.timeout(this.deps.timeoutMs ?? LOOKUP_TIMEOUT_MS));
    } catch (error) {
      this.deps.log.warn({ event: 'welcome.accountAgeUnknown', err: errorSummary(error) }, 'could not read the account age; sending the full welcome');
      return 'journey';
    }
    const kind = welcomeKindFor(dates, withinDays, this.deps.now());
    this.deps.log.info({ event: 'welcome.rollout', kind, known: accountStart(dates) !== undefined }, 'welcome chosen by account age');
    return kind;
  }
}
