/** Interval estimates the races page shows beside each metric. */

const Z95 = 1.959963984540054;

/** Wilson score interval for x successes in n trials (Wilson 1927); good coverage at small n and near 0 or 1. */
export function wilson(x: number, n: number, z = Z95): [number, number] | null {
  if (n <= 0) return null;
  const p = x / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Normal interval for a mean feedback score in [-1, 1] from its mean alone. For scores in [-1, 1] with mean m the
 * variance is at most 1 − m² (reached when every score is ±1, i.e. thumbs), so the interval is exact for thumbs
 * and conservative otherwise.
 */
export function feedbackInterval(mean: number, n: number, z = Z95): [number, number] | null {
  if (n <= 0) return null;
  const half = z * Math.sqrt(Math.max(0, 1 - mean * mean) / n);
  return [Math.max(-1, mean - half), Math.min(1, mean + half)];
}
