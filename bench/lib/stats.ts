/**
 * Order statistics for benchmark samples. Quantiles use the nearest-rank method on the
 * sorted samples (p95 of 10 samples is the 10th), so every figure is a measured value.
 */

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank quantile of sorted samples (q in [0, 1]). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return {
    n: s.length,
    min: s.length ? s[0]! : Number.NaN,
    median: quantileSorted(s, 0.5),
    p95: quantileSorted(s, 0.95),
    p99: quantileSorted(s, 0.99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
    mean,
  };
}

/** A number rounded for reports (NaN and undefined become null in JSON). */
export function round(x: number | undefined, digits = 3): number | null {
  if (x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
