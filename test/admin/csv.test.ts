import { csvCell, toCsv } from '../../src/admin/csv';
import { progressStage, starterFilterSchema } from '../../src/admin/intake';

describe('the starters CSV', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+441234', `"'+441234"`],
    ['-1+1', `"'-1+1"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tcmd', `"'\tcmd"`],
    ['\rcmd', `"'\rcmd"`],
  ])('neutralises a cell a spreadsheet would run as a formula: %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('quotes every cell, doubles quotes, keeps commas and line breaks inside the cell, and ends each row with CRLF', () => {
    expect(
      toCsv(
        ['A', 'B'],
        [
          ['jane.doe@nhs.net', 'a "quoted", line\nbreak'],
          ['x', 3],
        ],
      ),
    ).toBe('"A","B"\r\n"jane.doe@nhs.net","a ""quoted"", line\nbreak"\r\n"x","3"\r\n');
  });

  it('leaves plain addresses and counts alone', () => {
    expect(csvCell('jane.doe@nhs.net')).toBe('"jane.doe@nhs.net"');
    expect(csvCell('2 of 3')).toBe('"2 of 3"');
  });
});

describe('the intake filters', () => {
  it('puts every starter in exactly one stage of progress', () => {
    const p = (done: number, mustDoDone: number) => ({ progress: { done, total: 18, mustDoDone, mustDoTotal: 3, lastSeen: '2026-03-01T00:00:00Z' } });
    expect(progressStage({})).toBe('notStarted');
    expect(progressStage(p(0, 0))).toBe('notStarted');
    expect(progressStage(p(2, 0))).toBe('mustDoOutstanding');
    expect(progressStage(p(5, 2))).toBe('mustDoOutstanding');
    expect(progressStage(p(3, 3))).toBe('finished');
  });

  it('reads a filter from a query, and refuses anything else', () => {
    expect(starterFilterSchema.parse({ push: 'abc-1', progress: 'finished' })).toEqual({ pushId: 'abc-1', progress: 'finished' });
    expect(starterFilterSchema.parse({})).toEqual({ pushId: undefined, progress: undefined });
    expect(starterFilterSchema.safeParse({ progress: 'everything' }).success).toBe(false);
    expect(starterFilterSchema.safeParse({ push: '../../etc' }).success).toBe(false);
    expect(starterFilterSchema.safeParse({ push: 'a', extra: '1' }).success).toBe(false);
  });
});
