// The delta-method variance of a ratio metric with users as units (Deng, Knoblich & Lu, KDD 2018), checked
// against a brute-force cluster bootstrap (resampling whole users), against the textbook expansion of eq. 4, and
// against the exact binomial variance where requests really are independent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaMethodVariance, effectiveUnits, meanStats, ratioStats, SeededRandom, type RatioMoments } from '../../src/stats/index.js';
import { sampleStandardNormal } from '../../src/stats/random-variates.js';
import { assertClose } from './assert-close.js';

function moments(users: ReadonlyArray<{ y: number; n: number }>): RatioMoments {
  let units = 0, y = 0, n = 0, yy = 0, nn = 0, yn = 0, nnn = 0;
  for (const u of users) {
    if (u.n <= 0) continue;
    units++; y += u.y; n += u.n; yy += u.y * u.y; nn += u.n * u.n; yn += u.y * u.n; nnn += u.n ** 3;
  }
  return { units, y, n, yy, nn, yn, nnn };
}

/** 400 users who differ: activity from a heavy-tailed law, each with an error rate of their own. */
function clusteredUsers(rng: SeededRandom): Array<{ y: number; n: number }> {
  const out: Array<{ y: number; n: number }> = [];
  for (let i = 0; i < 400; i++) {
    const n = 1 + Math.floor(Math.exp(1.2 * sampleStandardNormal(rng)) * 5);
    const p = 1 / (1 + Math.exp(-(-3 + 1.0 * sampleStandardNormal(rng))));
    let y = 0;
    for (let j = 0; j < n; j++) if (rng.next() < p) y++;
    out.push({ y, n });
  }
  return out;
}

test('delta-method variance of a ratio matches a brute-force cluster bootstrap over users', () => {
  const rng = new SeededRandom(7);
  const users = clusteredUsers(rng);
  const deltaVar = deltaMethodVariance(moments(users));
  // Bootstrap: redraw 400 users with replacement, recompute ΣY/ΣN; 4,000 rounds.
  const rounds = 4000;
  let sum = 0, sumSq = 0;
  for (let b = 0; b < rounds; b++) {
    let y = 0, n = 0;
    for (let i = 0; i < users.length; i++) {
      const u = users[Math.floor(rng.next() * users.length)]!;
      y += u.y; n += u.n;
    }
    const r = y / n;
    sum += r; sumSq += r * r;
  }
  const bootVar = (sumSq - (sum * sum) / rounds) / (rounds - 1);
  // Monte-Carlo error of a variance from 4,000 rounds is about √(2/4000) ≈ 2.2 %; the delta method's own
  // approximation error at 400 units is of the same order.
  assertClose(deltaVar, bootVar, 0.1, { relative: true, label: 'Var(R̂): delta method vs cluster bootstrap' });
  // The per-request variance, which treats every request as independent, is far too small for these users.
  const m = moments(users);
  const perRequest = (m.y / m.n) * (1 - m.y / m.n) / m.n;
  assert.ok(deltaVar > 2 * perRequest, `clustered users: delta ${deltaVar} should be well above per-request ${perRequest}`);
});

test('delta-method variance equals the expansion of Deng et al. eq. 4', () => {
  const users = clusteredUsers(new SeededRandom(3));
  const m = moments(users);
  const k = m.units;
  const muY = m.y / k, muN = m.n / k;
  const varY = (m.yy - k * muY * muY) / (k - 1);
  const varN = (m.nn - k * muN * muN) / (k - 1);
  const cov = (m.yn - k * muY * muN) / (k - 1);
  const eq4 = varY / muN ** 2 - (2 * muY * cov) / muN ** 3 + (muY ** 2 * varN) / muN ** 4;
  assertClose(deltaMethodVariance(m) * k, eq4, 1e-9, { relative: true, label: 'per-unit variance' });
});

test('with one request per unit the delta method is the per-request sample variance', () => {
  const xs = [3.1, 2.4, 5.0, 4.4, 3.3, 2.9, 6.1, 3.8];
  const m = moments(xs.map((x) => ({ y: x, n: 1 })));
  const a = ratioStats(m);
  const b = meanStats(xs.length, xs.reduce((s, x) => s + x, 0), xs.reduce((s, x) => s + x * x, 0));
  assert.equal(a.n, b.n);
  assertClose(a.mean, b.mean, 1e-12);
  assertClose(a.variance, b.variance, 1e-12);
});

test('independent Bernoulli requests: Var(R̂) ≈ p(1 − p)/ΣN, whatever each user sends', () => {
  // Users with unequal activity but one common error rate: no clustering, so the delta method must agree with
  // the binomial variance over all requests (to the k/(k − 1) factor and sampling noise).
  const rng = new SeededRandom(11);
  const users: Array<{ y: number; n: number }> = [];
  for (let i = 0; i < 5000; i++) {
    const n = 1 + Math.floor(rng.next() * 20);
    let y = 0;
    for (let j = 0; j < n; j++) if (rng.next() < 0.05) y++;
    users.push({ y, n });
  }
  const m = moments(users);
  const s = ratioStats(m);
  assertClose(s.variance / s.n, (s.mean * (1 - s.mean)) / m.n, 0.06, { relative: true, label: 'Var(R̂)' });
});

test('degenerate inputs: no units, one unit', () => {
  assert.deepEqual(ratioStats({ units: 0, y: 0, n: 0, yy: 0, nn: 0, yn: 0, nnn: 0 }), { n: 0, mean: 0, variance: 0 });
  assert.deepEqual(ratioStats({ units: 1, y: 2, n: 4, yy: 4, nn: 16, yn: 8, nnn: 64 }), { n: 1, mean: 0.5, variance: 0 });
});

test('equally active users: n is the user count and the variance the plain delta method', () => {
  const rng = new SeededRandom(5);
  const users = Array.from({ length: 300 }, () => {
    let y = 0;
    for (let j = 0; j < 10; j++) if (rng.next() < 0.03 + 0.05 * rng.next()) y++;
    return { y, n: 10 };
  });
  const m = moments(users);
  const s = ratioStats(m);
  assertClose(s.n, 300, 1e-9);
  assertClose(s.variance / s.n, deltaMethodVariance(m), 1e-9, { relative: true, label: 'Var(R̂)' });
});

/**
 * Users whose activity follows a heavy tail (the r-th most active sends ∝ r^−1.2) and whose own rates vary:
 * redraw every user's rate many times with the activity fixed and measure the true spread of R̂. The plain delta
 * method, dominated by users whose residual is small because they dominate R̂, falls far short of it; the
 * bias-reduced one is unbiased when rates vary equally, and Kish's n_eff counts the few users that matter.
 */
test('heavy-tailed activity: the bias-reduced variance matches the true spread of R̂, the plain one falls short', () => {
  const rng = new SeededRandom(21);
  const k = 200;
  const activity = Array.from({ length: k }, (_, i) => Math.round(2000 * (i + 1) ** -1.2) + 1);
  const rounds = 4000;
  let sum = 0, sumSq = 0, plain = 0, reduced = 0, nEff = 0;
  for (let b = 0; b < rounds; b++) {
    // Each user's rate: 0.02 + N(0, 0.01²), the same law for every user; their sums are that rate times N (no
    // within-user noise, so the working model of equal variances holds exactly).
    const users = activity.map((n) => ({ y: n * (0.02 + 0.01 * sampleStandardNormal(rng)), n }));
    const m = moments(users);
    const r = m.y / m.n;
    sum += r; sumSq += r * r;
    plain += deltaMethodVariance(m);
    const s = ratioStats(m);
    reduced += s.variance / s.n;
    nEff = effectiveUnits(m);
  }
  const truth = (sumSq - (sum * sum) / rounds) / (rounds - 1);
  assert.ok(nEff < 15, `n_eff ${nEff} of ${k} users`);
  assertClose(reduced / rounds, truth, 0.06, { relative: true, label: 'bias-reduced Var(R̂) vs its true spread' });
  assert.ok(plain / rounds < 0.8 * truth, `plain delta method ${plain / rounds} should fall well short of ${truth}`);
});
