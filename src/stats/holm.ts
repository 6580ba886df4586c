/**
 * Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test procedure"): with m
 * p-values sorted ascending p(1) ≤ … ≤ p(m), the adjusted p(i) = max over j ≤ i of min(1, (m − j + 1)·p(j)).
 * Rejecting every hypothesis whose adjusted p is below α controls the family-wise error rate at α, with no
 * assumption about how the tests depend on each other, and is never less powerful than Bonferroni. The result is
 * in the input's order (the same as R's `p.adjust(p, "holm")`). NaN p-values are left out of m and stay NaN.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, i) => ({ p, i })).filter((x) => !Number.isNaN(x.p)).sort((a, b) => a.p - b.p || a.i - b.i);
  const m = order.length;
  const out = pValues.map(() => Number.NaN);
  let running = 0;
  order.forEach(({ p, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    out[i] = running;
  });
  return out;
}
