import { execFileSync } from 'node:child_process';
import { allocatedMb } from '../../bench/lib/gcTrace';

describe('memory allocated, read from --trace-gc', () => {
  it('sums the rise in heap from each collection to the next, and counts the collections', () => {
    const trace = [
      '[1:0x1]       93 ms: Scavenge 5.8 (7.3) -> 5.2 (8.3) MB, pooled: 0 MB, 2.79 / 0.00 ms  (average mu = 1.000) allocation failure;',
      '{"level":30,"msg":"a log line between them is ignored"}',
      '[1:0x1]      115 ms: Scavenge 13.2 (16.3) -> 5.8 (16.8) MB, pooled: 0 MB, 3.87 / 0.00 ms  allocation failure;',
      '[1:0x1]      120 ms: Mark-Compact 9.8 (16.8) -> 4.0 (12.0) MB, pooled: 0 MB, 9.10 / 0.00 ms  (+ 1.2 ms in 3 steps) finalize;',
    ].join('\n');
    const { mb, collections } = allocatedMb(trace);
    expect(collections).toBe(3);
    expect(mb).toBeCloseTo(8.0 + 4.0, 5);
  });

  it("reads this Node's own output: a program that allocates about 400 MB is seen to", () => {
    const output = execFileSync(
      process.execPath,
      [
        '--trace-gc',
        '--max-semi-space-size=8',
        '-e',
        'let keep = 0; for (let i = 0; i < 400; i++) { const b = new Array(131072).fill(i); keep += b.length; } console.log(keep);',
      ],
      { encoding: 'utf8' },
    );
    const { mb, collections } = allocatedMb(output);
    expect(collections).toBeGreaterThan(10);
    // 400 arrays of 128 Ki elements, 8 bytes each in a packed SMI/double-free array: 1 MB each.
    expect(mb).toBeGreaterThan(300);
    expect(mb).toBeLessThan(450);
  });
});
