/** Small summaries of repeated measurements. */
export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Sample standard deviation (0 for fewer than two values). */
  readonly sd: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const sd = n < 2 ? 0 : Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { n, mean, median, min: sorted[0] as number, max: sorted[n - 1] as number, sd };
}

/** Per 1,000 events. */
export function perThousand(count: number, events: number): number {
  return (count / events) * 1000;
}
