// pass@k (Chen et al. 2021, arXiv 2107.03374, eq. 1) and pass^k (Yao et al. 2024, τ-bench, arXiv 2406.12045),
// checked against hand-computed binomial ratios and an exact rational computation with BigInt.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanOverItems, passAtK, passHatK } from '../../src/stats/pass-at-k.js';

function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}
const ratio = (num: bigint, den: bigint) => Number((num * 10n ** 18n) / den) / 1e18;

test('pass@k and pass^k match worked values', () => {
  const cases: Array<[n: number, c: number, k: number, at: number, hat: number]> = [
    [5, 2, 2, 1 - 3 / 10, 1 / 10], // C(3,2)/C(5,2) = 3/10; C(2,2)/C(5,2) = 1/10
    [10, 3, 1, 0.3, 0.3], // k = 1: both are c/n
    [10, 0, 5, 0, 0],
    [10, 10, 5, 1, 1],
    [4, 2, 3, 1, 0], // n − c < k: some sample must be right; c < k: never all right
    [8, 6, 4, 1, 15 / 70], // C(6,4)/C(8,4)
  ];
  for (const [n, c, k, at, hat] of cases) {
    assert.ok(Math.abs(passAtK(n, c, k) - at) < 1e-12, `pass@${k} n=${n} c=${c}: ${passAtK(n, c, k)}`);
    assert.ok(Math.abs(passHatK(n, c, k) - hat) < 1e-12, `pass^${k} n=${n} c=${c}: ${passHatK(n, c, k)}`);
  }
});

test('the product forms equal the exact binomial ratios, also where the coefficients overflow a double', () => {
  for (const [n, c, k] of [[200, 37, 10], [200, 5, 100], [1000, 900, 50], [1200, 600, 600], [64, 63, 64]] as const) {
    const at = 1 - ratio(choose(n - c, k), choose(n, k));
    const hat = ratio(choose(c, k), choose(n, k));
    assert.ok(Math.abs(passAtK(n, c, k) - at) < 1e-9, `pass@k n=${n} c=${c} k=${k}`);
    assert.ok(Math.abs(passHatK(n, c, k) - hat) < 1e-9, `pass^k n=${n} c=${c} k=${k}`);
  }
});

test('averages over items, and rejects impossible counts', () => {
  assert.equal(meanOverItems([{ n: 4, c: 4 }, { n: 4, c: 0 }], 2, passHatK), 0.5);
  assert.ok(Number.isNaN(meanOverItems([], 1, passAtK)));
  assert.throws(() => passAtK(3, 4, 1), /c must be in/);
  assert.throws(() => passHatK(3, 1, 4), /k must be in/);
  assert.throws(() => passAtK(3, 1.5, 1), /integers/);
});
