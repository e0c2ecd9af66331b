/** @module bench/lib/stats — latency summaries (medians, percentiles) and a monotonic timer. */

/** The q-quantile (0..1) of `xs` (sorted copy, nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** p50/p90/p99/max of a list of millisecond latencies. */
export function summary(xs: readonly number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  return { n: xs.length, p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p99: quantile(xs, 0.99), max: quantile(xs, 1) };
}

/** Milliseconds from a high-resolution clock. */
export const now = (): number => performance.now();

/** Format ms with 3 significant decimals. */
export const ms = (x: number): string => (x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
