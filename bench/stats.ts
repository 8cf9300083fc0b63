/** Percentiles over measured samples (nearest-rank), in the unit given. */
export const percentile = (samples: number[], p: number): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
};

export const summarize = (samples: number[]) => ({
  n: samples.length,
  p50: Math.round(percentile(samples, 50)),
  p95: Math.round(percentile(samples, 95)),
  max: Math.round(Math.max(...samples)),
});
