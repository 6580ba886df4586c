/**
 * The per-user book moves the arm's moments by differences as a user's sums grow; with a weight cap, each user
 * must enter them as (Y·c/N, c) once N passes c, whatever order and size their additions came in. Property: after
 * any sequence of additions (and pre-race covariates), the book's moments equal those computed from scratch from
 * each user's final sums, capped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { METRIC_INDEX, UnitBook } from '../../src/race/unit-book.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('capped moments equal the moments of each user capped, after any order of additions', () => {
  const addition = fc.record({ user: fc.integer({ min: 0, max: 7 }), y: fc.integer({ min: 0, max: 40 }), n: fc.integer({ min: 1, max: 40 }) });
  fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.array(addition, { maxLength: 60 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), (cap, adds, xs) => {
    const book = new UnitBook(undefined, null, cap);
    const sums = new Map<number, [number, number]>();
    for (const [i, a] of adds.entries()) {
      const y = Math.min(a.y, a.n);
      book.add(`u${a.user}`, METRIC_INDEX.errors, y, a.n);
      const s = sums.get(a.user) ?? [0, 0];
      sums.set(a.user, [s[0] + y, s[1] + a.n]);
      // Halfway, every user seen so far gets a pre-race covariate (the simulator's way of setting them).
      if (i === adds.length >> 1) for (const u of sums.keys()) book.setCovariateAt(book.slot(`u${u}`), METRIC_INDEX.errors, xs[u]!);
    }
    const half = adds.length >> 1;
    const withX = new Set(adds.slice(0, half + 1).map((a) => a.user));
    let units = 0, y = 0, n = 0, yy = 0, nn = 0, yn = 0, nnn = 0, z = 0, zz = 0, yz = 0, nz = 0;
    for (const [u, [y0, n0]] of sums) {
      const [a, b] = cap > 0 && n0 > cap ? [(y0 * cap) / n0, cap] : [y0, n0];
      const x = adds.length > 0 && withX.has(u) ? xs[u]! : 0;
      units++; y += a; n += b; yy += a * a; nn += b * b; yn += a * b; nnn += b * b * b;
      z += b * x; zz += b * b * x * x; yz += a * b * x; nz += b * b * x;
    }
    const m = book.view().errors;
    const want = { units, y, n, yy, nn, yn, nnn };
    for (const k of Object.keys(want) as Array<keyof typeof want>) close(m[k], want[k], k);
    if (m.z !== undefined) {
      close(m.z, z, 'z'); close(m.zz!, zz, 'zz'); close(m.yz!, yz, 'yz'); close(m.nz!, nz, 'nz');
    }
    // No user weighs more than the cap.
    if (cap > 0) assert.ok(m.n <= cap * units + 1e-9);
  }), { numRuns: 500 });
});

test('a cap that is not a finite number >= 0 is refused', () => {
  for (const cap of [-1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => new UnitBook(undefined, null, cap), RangeError);
});
