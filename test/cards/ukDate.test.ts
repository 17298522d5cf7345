/**
 * The date under a ticked action ("✓ Done on 30 March 2026") is the date in the UK when it was ticked, including
 * ticks late in the evening in summer time, which are already the next day in London.
 */
import { ukDate } from '../../src/cards/views';

describe('the UK date of a stored time', () => {
  it('is the London date: an hour ahead of UTC in summer, the same in winter', () => {
    expect(ukDate('2026-07-14T22:59:59.999Z')).toBe('14 July 2026');
    expect(ukDate('2026-07-14T23:00:00.000Z')).toBe('15 July 2026');
    expect(ukDate('2026-12-07T23:59:59.000Z')).toBe('7 December 2026');
  });

  it('stays right for every time of an hour, asked in any order, around both clock changes', () => {
    // Clocks go forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October 2026.
    const cases: [string, string][] = [
      ['2026-03-28T23:30:00.000Z', '28 March 2026'],
      ['2026-03-29T00:59:59.999Z', '29 March 2026'],
      ['2026-03-29T23:05:00.000Z', '30 March 2026'],
      ['2026-03-29T23:55:00.000Z', '30 March 2026'],
      ['2026-10-24T23:10:00.000Z', '25 October 2026'],
      ['2026-10-25T00:59:00.000Z', '25 October 2026'],
      ['2026-10-25T23:10:00.000Z', '25 October 2026'],
      ['2026-10-25T23:59:00.000Z', '25 October 2026'],
    ];
    for (const order of [cases, [...cases].reverse()]) {
      for (const [iso, date] of order) expect([iso, ukDate(iso)]).toEqual([iso, date]);
    }
  });

  it('formats a time written in another form by itself', () => {
    expect(ukDate('2026-07-14T23:30:00+00:00')).toBe('15 July 2026');
    expect(ukDate('2026-07-14T23:30:00+02:00')).toBe('14 July 2026');
  });

  it('never answers an impossible time with the date of a real time in the same hour', () => {
    // Found by a review: an impossible minute, a 24th hour or a bare "date and hour" shared the key of a real hour.
    expect(ukDate('2026-05-10T12:00:00.000Z')).toBe('10 May 2026');
    expect(() => ukDate('2026-05-10T12:60:00Z')).toThrow(RangeError);
    expect(() => ukDate('2026-05-10T12:99:99Z')).toThrow(RangeError);
    expect(() => ukDate('2026-05-10T12')).toThrow(RangeError);
    expect(ukDate('2026-03-28T24:00:00Z')).toBe('29 March 2026'); // what Date makes of it
    expect(ukDate('2026-03-28T23:30:00.000Z')).toBe('28 March 2026');
  });
});
