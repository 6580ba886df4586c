/**
 * Regression adjustment of a ratio metric by each unit's pre-experiment rate (CUPED with the delta method,
 * `stats/ratio.ts`): θ and the adjusted variance from the running moments equal the same numbers computed unit by
 * unit; without covariates nothing changes; θ is pooled over both arms; and when units differ by baselines their
 * pre-period knows, the adjusted variance is a fraction of the plain one while the estimate of the difference
 * stays centred on the truth.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjustedRatioPair, adjustedRatioStats, pooledTheta, ratioStats, SeededRandom, sampleStandardNormal, type RatioMoments } from '../../src/stats/index.js';

interface Unit { y: number; n: number; x: number }

function moments(units: readonly Unit[], withCovariate = true): RatioMoments {
  let k = 0, y = 0, n = 0, yy = 0, nn = 0, yn = 0, nnn = 0, z = 0, zz = 0, yz = 0, nz = 0;
  for (const u of units) {
    if (u.n <= 0) continue;
    const zi = u.n * u.x;
    k++; y += u.y; n += u.n; yy += u.y * u.y; nn += u.n * u.n; yn += u.y * u.n; nnn += u.n ** 3;
    z += zi; zz += zi * zi; yz += u.y * zi; nz += u.n * zi;
  }
  return withCovariate ? { units: k, y, n, yy, nn, yn, nnn, z, zz, yz, nz } : { units: k, y, n, yy, nn, yn, nnn };
}

const close = (a: number, b: number, what: string, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('θ and the adjusted variance from moments equal the unit-by-unit computation', () => {
  const a: Unit[] = [{ y: 3, n: 10, x: 0.1 }, { y: 0, n: 4, x: -0.05 }, { y: 7, n: 30, x: 0.02 }, { y: 1, n: 2, x: 0 }, { y: 2, n: 12, x: -0.01 }];
  const b: Unit[] = [{ y: 5, n: 9, x: 0.2 }, { y: 1, n: 15, x: -0.04 }, { y: 2, n: 6, x: 0.05 }, { y: 0, n: 3, x: -0.1 }];
  // Unit by unit: residuals u = Y − R·N and w = Z − Q·N of each arm, θ = Σ_arms Σuw/W² / Σ_arms Σw²/W².
  const parts = (units: Unit[]) => {
    const W = units.reduce((s, u) => s + u.n, 0);
    const R = units.reduce((s, u) => s + u.y, 0) / W;
    const Q = units.reduce((s, u) => s + u.n * u.x, 0) / W;
    const res = units.map((u) => ({ u: u.y - R * u.n, w: u.n * u.x - Q * u.n }));
    return { W, R, Q, res, uw: res.reduce((s, r) => s + r.u * r.w, 0), ww: res.reduce((s, r) => s + r.w * r.w, 0) };
  };
  const pa = parts(a), pb = parts(b);
  const theta = (pa.uw / pa.W ** 2 + pb.uw / pb.W ** 2) / (pa.ww / pa.W ** 2 + pb.ww / pb.W ** 2);
  close(pooledTheta(moments(a), moments(b)), theta, 'θ');
  const pair = adjustedRatioPair(moments(a), moments(b));
  close(pair.theta, theta, 'pair θ');
  for (const [p, units, s] of [[pa, a, pair.control], [pb, b, pair.treatment]] as const) {
    const h = units.map((u) => u.n / p.W);
    const H = h.reduce((t, x) => t + x * x, 0);
    const kept = 1 - (2 * h.reduce((t, x) => t + x ** 3, 0)) / H + H;
    const varR = p.res.reduce((t, r) => t + (r.u - theta * r.w) ** 2, 0) / p.W ** 2 / kept;
    close(s.n, 1 / H, 'n = Kish effective units');
    close(s.variance / s.n, varR, 'Var(adjusted R)');
  }
  // The difference of the adjusted means is ΔR − θ·ΔQ.
  close(pair.treatment.mean - pair.control.mean, pb.R - pa.R - theta * (pb.Q - pa.Q), 'adjusted effect');
});

test('without covariates, or with θ = 0, it is the plain delta method', () => {
  const units: Unit[] = [{ y: 3, n: 10, x: 0.3 }, { y: 0, n: 4, x: 0 }, { y: 7, n: 30, x: 0.1 }];
  const plain = ratioStats(moments(units, false));
  assert.deepEqual(adjustedRatioStats(moments(units), 0), ratioStats(moments(units)));
  const pair = adjustedRatioPair(moments(units, false), moments(units, false));
  assert.equal(pair.theta, 0);
  assert.deepEqual(pair.control, plain);
});

test('users who differ by baselines their history knows: the adjusted variance is a fraction, the estimate stays centred', () => {
  // 400 users per arm, error rates whose logit varies by N(0, 0.9²) around 1 %, 20–400 requests each in the
  // experiment and seven times as many before it (same rate). A/A: both arms identical.
  const rng = new SeededRandom(11);
  const logistic = (v: number) => 1 / (1 + Math.exp(-v));
  const binomial = (n: number, p: number) => { let k = 0; for (let i = 0; i < n; i++) if (rng.next() < p) k++; return k; };
  let plainVar = 0, adjustedVar = 0, sumEffect = 0, sumSq = 0;
  const reps = 40;
  for (let r = 0; r < reps; r++) {
    const arm = () => {
      const users = Array.from({ length: 400 }, () => {
        const p = logistic(Math.log(0.01 / 0.99) + 0.9 * sampleStandardNormal(rng));
        const n = 20 + Math.floor(380 * rng.next() ** 3);
        return { p, n, pre: 7 * n };
      });
      // Centred on one constant for both arms (the monitor centres on the pooled pre-race rate of all users): a
      // centre of each arm's own would hide the very baseline difference between arms the adjustment removes.
      return users.map((u) => ({ y: binomial(u.n, u.p), n: u.n, x: binomial(u.pre, u.p) / u.pre - 0.015 }));
    };
    const c = moments(arm()), t = moments(arm());
    const pair = adjustedRatioPair(c, t);
    const plainC = ratioStats(c), plainT = ratioStats(t);
    plainVar += plainC.variance / plainC.n + plainT.variance / plainT.n;
    adjustedVar += pair.control.variance / pair.control.n + pair.treatment.variance / pair.treatment.n;
    const d = pair.treatment.mean - pair.control.mean;
    sumEffect += d;
    sumSq += d * d;
  }
  const ratio = adjustedVar / plainVar;
  assert.ok(ratio < 0.5, `adjusted/plain variance ${ratio.toFixed(3)}`);
  // Centred: the mean adjusted A/A difference is within 3 standard errors of 0, and its spread matches the
  // variance the adjustment claims (within the noise of 40 replicates).
  const mean = sumEffect / reps;
  const empirical = sumSq / reps - mean * mean;
  assert.ok(Math.abs(mean) < 3 * Math.sqrt(empirical / reps), `mean A/A difference ${mean}`);
  const claimed = adjustedVar / reps;
  assert.ok(empirical / claimed > 0.5 && empirical / claimed < 1.8, `empirical/claimed variance ${(empirical / claimed).toFixed(2)}`);
});
