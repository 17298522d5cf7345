import { cpuRounds, markdownTable, median, percentile, summarise, textTable } from '../../bench/lib/stats';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles without reordering the input', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(10);
    expect(samples[0]).toBe(5);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('puts p99 of 1000 samples at the 990th value', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000..1
    expect(summarise(samples)).toEqual({ p50: 500, p99: 990, mean: 500.5, n: 1000 });
    expect(median([3, 1, 2])).toBe(2);
  });

  it('reports each round’s CPU ratio in order, and the round whose ratio is the median, with both its figures', () => {
    const round = (reference: number, measured: number) => [{ cpuMsPerTurn: reference }, { cpuMsPerTurn: measured }] as const;
    const rounds = [round(0.4, 0.8), round(0.5, 0.5), round(0.25, 0.75)];
    const { ratios, median: middle } = cpuRounds(rounds);
    expect(ratios).toEqual([2, 1, 3]);
    // The median ratio's round (2×), not the median of each column (0.4 and 0.75 come from different rounds).
    expect(middle).toBe(rounds[0]);
    expect(() => cpuRounds([])).toThrow(RangeError);
  });

  it('formats tables for the terminal and for Markdown', () => {
    expect(textTable(['a', 'bb'], [['xxx', 'y']])).toBe('a    bb\n---  --\nxxx  y');
    expect(markdownTable(['a', 'b'], [['1|2', '3']])).toBe('| a | b |\n| --- | --- |\n| 1\\|2 | 3 |');
  });
});
