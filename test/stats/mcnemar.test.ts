// Exact McNemar test. Published anchor: Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, worked
// example (Bentur et al. 2009 airway hyper-responsiveness, n12 = 1, n21 = 7): exact conditional p = 0.070,
// mid-p = 0.039. Larger tables are checked against an exact rational computation with BigInt.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mcnemarExact } from '../../src/stats/mcnemar.js';

function exactTwoSided(b: number, c: number): number {
  const n = b + c;
  const m = Math.min(b, c);
  let coef = 1n;
  let tail = 0n;
  for (let i = 0; i <= m; i++) {
    if (i > 0) coef = (coef * BigInt(n - i + 1)) / BigInt(i);
    tail += coef;
  }
  const p = Number((2n * tail * 10n ** 30n) / 2n ** BigInt(n)) / 1e30;
  return Math.min(1, p);
}

test('reproduces the published worked example', () => {
  const r = mcnemarExact(1, 7);
  assert.equal(r.discordant, 8);
  assert.equal(Number(r.pValue.toFixed(3)), 0.07);
  assert.equal(Number(r.midP.toFixed(3)), 0.039);
  assert.ok(Math.abs(r.pValue - 18 / 256) < 1e-15);
  assert.ok(Math.abs(r.midP - 10 / 256) < 1e-15);
  assert.equal(mcnemarExact(7, 1).pValue, r.pValue, 'two-sided: symmetric in b and c');
});

test('one-sided p-value points the right way', () => {
  assert.ok(Math.abs(mcnemarExact(7, 1).pGreater - 9 / 256) < 1e-15, 'P(X ≥ 7 | n = 8)');
  assert.ok(mcnemarExact(1, 7).pGreater > 0.99);
  assert.ok(Math.abs(mcnemarExact(10, 0).pValue - 2 / 1024) < 1e-15);
});

test('matches exact rational arithmetic on large tables without underflow', () => {
  for (const [b, c] of [[100, 60], [60, 0], [500, 430], [3, 3], [0, 1], [1000, 1]] as const) {
    const want = exactTwoSided(b, c);
    const got = mcnemarExact(b, c).pValue;
    if (want === 0) assert.ok(got < 1e-290, `b=${b} c=${c}`);
    else assert.ok(Math.abs(got / want - 1) < 1e-9, `b=${b} c=${c}: ${got} vs ${want}`);
  }
  assert.ok(mcnemarExact(60, 0).pValue > 0, 'a tiny p-value stays positive');
});

test('no discordant pairs means no evidence', () => {
  assert.deepEqual(mcnemarExact(0, 0), { b: 0, c: 0, discordant: 0, pValue: 1, midP: 1, pGreater: 1 });
  assert.throws(() => mcnemarExact(-1, 2), /non-negative/);
});
