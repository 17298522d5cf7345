/** When people may be nudged: weekdays and hours in one time zone (Europe/London by default, BST and GMT alike). */
export interface WorkingHours {
  /** IANA zone, e.g. Europe/London. */
  readonly timeZone: string;
  /** Minutes after local midnight: from (inclusive) … to (exclusive). */
  readonly startMinute: number;
  readonly endMinute: number;
  /** Local weekdays, 0 = Sunday … 6 = Saturday. */
  readonly weekdays: readonly number[];
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local weekday and minute of the day of an instant in a zone (Intl does the daylight-saving arithmetic). */
export function localTime(instantMs: number, timeZone: string): { weekday: number; minute: number } {
  const parts = formatter(timeZone).formatToParts(new Date(instantMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: WEEKDAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Whether an instant falls within working hours. */
export function isWorkingTime(instantMs: number, hours: WorkingHours): boolean {
  const { weekday, minute } = localTime(instantMs, hours.timeZone);
  return hours.weekdays.includes(weekday) && minute >= hours.startMinute && minute < hours.endMinute;
}

/** The first instant at or after `fromMs` within working hours (whole minutes); undefined if none within 8 days. */
export function nextWorkingTime(fromMs: number, hours: WorkingHours): number | undefined {
  if (isWorkingTime(fromMs, hours)) return fromMs;
  const minute = 60_000;
  const step = 15 * minute;
  let t = Math.ceil(fromMs / minute) * minute;
  const limit = fromMs + 8 * 24 * 60 * minute;
  while (t <= limit && !isWorkingTime(t, hours)) t += step;
  if (t > limit) return undefined;
  // Stepping by 15 minutes may overshoot a start that is not on a quarter hour: walk back to it.
  while (t - minute >= fromMs && isWorkingTime(t - minute, hours)) t -= minute;
  return t;
}

/** Parses "09:00-17:00". */
export function parseHours(text: string): { startMinute: number; endMinute: number } | undefined {
  const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || startMinute >= endMinute || endMinute > 24 * 60) return undefined;
  return { startMinute, endMinute };
}

/** Parses "Mon,Tue,Wed" (any case, first three letters). */
export function parseWeekdays(names: readonly string[]): number[] | undefined {
  const days = names.map((n) => WEEKDAYS.indexOf(n.toLowerCase().slice(0, 3)));
  return days.length > 0 && days.every((d) => d >= 0) ? [...new Set(days)].sort() : undefined;
}

/** Whether Intl knows the zone. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
