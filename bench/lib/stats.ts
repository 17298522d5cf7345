/** Percentiles and table formatting for the benchmark report. No dependencies, so tests can import it cheaply. */

/** Nearest-rank percentile (p in 0..100) of the samples; NaN for no samples. Does not modify the input. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** p50, p99, mean and count of a set of samples. */
export function summarise(samples: readonly number[]): { p50: number; p99: number; mean: number; n: number } {
  const n = samples.length;
  const mean = n === 0 ? Number.NaN : samples.reduce((s, x) => s + x, 0) / n;
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), mean, n };
}

/** Median of a few trials (start-up runs). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/**
 * Rounds of a process measured against its reference, each `[reference, measured]`: every round's CPU ratio
 * (measured ÷ reference), in the order measured, and the round whose ratio is the median (the one reported).
 */
export function cpuRounds<T extends { readonly cpuMsPerTurn: number }>(pairs: readonly (readonly [T, T])[]): { ratios: number[]; median: readonly [T, T] } {
  const ratioOf = ([reference, measured]: readonly [T, T]): number => measured.cpuMsPerTurn / reference.cpuMsPerTurn;
  const median = [...pairs].sort((a, b) => ratioOf(a) - ratioOf(b))[Math.floor(pairs.length / 2)];
  if (!median) throw new RangeError('no rounds to take the median of');
  return { ratios: pairs.map(ratioOf), median };
}

/** A number with a fixed number of decimals, or "n/a" for NaN/undefined. */
export function fmt(value: number | undefined, decimals = 0): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(decimals);
}

/** A ratio like "0.93×". */
export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}×`;
}

/** Columns padded to their widest cell, as plain text for the terminal. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in GitHub Markdown (pipes in cells escaped). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${header.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}
