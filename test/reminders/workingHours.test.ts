import { isTimeZone, isWorkingTime, localTime, nextWorkingTime, parseHours, parseWeekdays, type WorkingHours } from '../../src/reminders/workingHours';

const london: WorkingHours = { timeZone: 'Europe/London', startMinute: 9 * 60, endMinute: 17 * 60, weekdays: [1, 2, 3, 4, 5] };
const utc = (iso: string) => Date.parse(iso);

describe('working hours in Europe/London', () => {
  it('reads local time in GMT (winter) and BST (summer)', () => {
    expect(localTime(utc('2026-01-14T09:00:00Z'), 'Europe/London')).toEqual({ weekday: 3, minute: 9 * 60 });
    expect(localTime(utc('2026-07-15T08:00:00Z'), 'Europe/London')).toEqual({ weekday: 3, minute: 9 * 60 });
  });

  it('is open 09:00–17:00 local on weekdays, in both seasons', () => {
    expect(isWorkingTime(utc('2026-01-14T08:59:00Z'), london)).toBe(false);
    expect(isWorkingTime(utc('2026-01-14T09:00:00Z'), london)).toBe(true);
    expect(isWorkingTime(utc('2026-01-14T16:59:00Z'), london)).toBe(true);
    expect(isWorkingTime(utc('2026-01-14T17:00:00Z'), london)).toBe(false);
    // BST: 08:00 UTC is 09:00 in London, 16:00 UTC is 17:00.
    expect(isWorkingTime(utc('2026-07-15T07:59:00Z'), london)).toBe(false);
    expect(isWorkingTime(utc('2026-07-15T08:00:00Z'), london)).toBe(true);
    expect(isWorkingTime(utc('2026-07-15T16:00:00Z'), london)).toBe(false);
    expect(isWorkingTime(utc('2026-01-17T12:00:00Z'), london)).toBe(false); // Saturday
  });

  it('finds the next opening across the spring change (clocks go forward on Sunday 29 March 2026)', () => {
    // Friday 27 March 17:30 GMT → Monday 30 March 09:00 BST = 08:00 UTC.
    expect(new Date(nextWorkingTime(utc('2026-03-27T17:30:00Z'), london) ?? 0).toISOString()).toBe('2026-03-30T08:00:00.000Z');
    // During the change night itself.
    expect(new Date(nextWorkingTime(utc('2026-03-29T00:30:00Z'), london) ?? 0).toISOString()).toBe('2026-03-30T08:00:00.000Z');
  });

  it('finds the next opening across the autumn change (clocks go back on Sunday 25 October 2026)', () => {
    // Friday 23 October 17:00 BST → Monday 26 October 09:00 GMT = 09:00 UTC.
    expect(new Date(nextWorkingTime(utc('2026-10-23T16:00:00Z'), london) ?? 0).toISOString()).toBe('2026-10-26T09:00:00.000Z');
    // Just before 09:00 on the Monday after: 08:59 GMT.
    expect(new Date(nextWorkingTime(utc('2026-10-26T08:59:30Z'), london) ?? 0).toISOString()).toBe('2026-10-26T09:00:00.000Z');
  });

  it('returns the instant itself within hours, and finds starts that are not on the quarter hour', () => {
    expect(nextWorkingTime(utc('2026-01-14T10:07:13Z'), london)).toBe(utc('2026-01-14T10:07:13Z'));
    const odd = { ...london, startMinute: 9 * 60 + 10 };
    expect(new Date(nextWorkingTime(utc('2026-01-14T06:00:00Z'), odd) ?? 0).toISOString()).toBe('2026-01-14T09:10:00.000Z');
  });

  it('parses its settings', () => {
    expect(parseHours('09:00-17:30')).toEqual({ startMinute: 540, endMinute: 1050 });
    expect(parseHours('17:00-09:00')).toBeUndefined();
    expect(parseHours('9am-5pm')).toBeUndefined();
    expect(parseWeekdays(['Mon', 'tue', 'FRIDAY'])).toEqual([1, 2, 5]);
    expect(parseWeekdays(['Mon', 'Funday'])).toBeUndefined();
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
  });
});
