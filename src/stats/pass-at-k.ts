/**
 * Stability over k repeated samples of one item, from n samples of which c were correct. Both estimators are
 * unbiased only when the n samples are independent draws (temperature > 0, and a cache that keys on the sample
 * index, so a repeat is a real new call).
 */

function check(n: number, c: number, k: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k)) throw new RangeError(`n, c and k must be integers (got ${n}, ${c}, ${k})`);
  if (c < 0 || c > n) throw new RangeError(`c must be in [0, n] (got c=${c}, n=${n})`);
  if (k < 1 || k > n) throw new RangeError(`k must be in [1, n] (got k=${k}, n=${n})`);
}

/**
 * pass@k = 1 − C(n−c, k) / C(n, k): the chance that at least one of k samples drawn without replacement from the n
 * is correct (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", arXiv 2107.03374, eq. 1).
 * Computed as 1 − Π_{i=n−c+1..n} (1 − k/i), the product form of the paper's reference code, which never forms a
 * binomial coefficient and so cannot overflow.
 *
 * @example passAtK(5, 2, 2) // 0.7 = 1 − C(3,2)/C(5,2) = 1 − 3/10
 */
export function passAtK(n: number, c: number, k: number): number {
  check(n, c, k);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/**
 * pass^k = C(c, k) / C(n, k): the chance that all of k samples drawn from the n are correct, i.e. that the model
 * gets the item right every time (Yao et al. 2024, "τ-bench", arXiv 2406.12045, §5; sierra-research/tau-bench
 * `display_metrics`). Computed as Π_{i=0..k−1} (c−i)/(n−i).
 *
 * @example passHatK(5, 2, 2) // 0.1 = C(2,2)/C(5,2)
 */
export function passHatK(n: number, c: number, k: number): number {
  check(n, c, k);
  if (c < k) return 0;
  let prod = 1;
  for (let i = 0; i < k; i++) prod *= (c - i) / (n - i);
  return prod;
}

/** Mean of pass@k (or pass^k) over items, each item with its own n ≥ k; NaN when there is no item. */
export function meanOverItems(items: ReadonlyArray<{ n: number; c: number }>, k: number, metric: (n: number, c: number, k: number) => number): number {
  if (items.length === 0) return Number.NaN;
  let sum = 0;
  for (const it of items) sum += metric(it.n, it.c, k);
  return sum / items.length;
}
