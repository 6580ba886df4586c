import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LaneLayout } from '../../src/race/assign.js';

const CHALLENGERS = [
  { name: 'challenger-a', weight: 15 },
  { name: 'challenger-b', weight: 5 },
];

function split(layout: LaneLayout, users: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < users; i++) {
    const c = layout.sticky(`user-${i}`);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return counts;
}

test('10,000 users split 80/15/5 within tight tolerance', () => {
  const counts = split(new LaneLayout('champion', CHALLENGERS), 10_000);
  // Binomial sd at n = 10,000: 40, 35.7, 21.8 → allow about 3.5 sd.
  assert.ok(Math.abs(counts.get('champion')! - 8000) < 140, `champion ${counts.get('champion')}`);
  assert.ok(Math.abs(counts.get('challenger-a')! - 1500) < 125, `challenger-a ${counts.get('challenger-a')}`);
  assert.ok(Math.abs(counts.get('challenger-b')! - 500) < 80, `challenger-b ${counts.get('challenger-b')}`);
});

test('a user keeps the same contender across calls', () => {
  const layout = new LaneLayout('champion', CHALLENGERS);
  for (let i = 0; i < 200; i++) {
    const first = layout.sticky(`u${i}`);
    for (let k = 0; k < 5; k++) assert.equal(layout.sticky(`u${i}`), first);
  }
});

test('raising one challenger from 15% to 25% moves only champion users into it, about 10% of users', () => {
  const before = new LaneLayout('champion', CHALLENGERS);
  const after = new LaneLayout('champion', [
    { name: 'challenger-a', weight: 25 },
    { name: 'challenger-b', weight: 5 },
  ]);
  let moved = 0;
  for (let i = 0; i < 10_000; i++) {
    const a = before.sticky(`user-${i}`);
    const b = after.sticky(`user-${i}`);
    if (a !== b) {
      moved++;
      assert.equal(a, 'champion', `user-${i} moved ${a} → ${b}`);
      assert.equal(b, 'challenger-a', `user-${i} moved ${a} → ${b}`);
    }
  }
  assert.ok(moved > 900 && moved < 1100, `moved ${moved}`);
});

test('lowering a challenger to zero returns exactly its users to the champion', () => {
  const before = new LaneLayout('champion', CHALLENGERS);
  const after = new LaneLayout('champion', [
    { name: 'challenger-a', weight: 0 },
    { name: 'challenger-b', weight: 5 },
  ]);
  for (let i = 0; i < 5000; i++) {
    const a = before.sticky(`user-${i}`);
    const b = after.sticky(`user-${i}`);
    if (a === 'challenger-a') assert.equal(b, 'champion');
    else assert.equal(b, a);
  }
});

test('lanes that meet still honour every weight', () => {
  // Many challengers force lanes to run into each other.
  const many = Array.from({ length: 8 }, (_, i) => ({ name: `c${i}`, weight: 12 }));
  const counts = split(new LaneLayout('champion', many), 40_000);
  for (const c of many) assert.ok(Math.abs(counts.get(c.name)! / 40_000 - 0.12) < 0.01, `${c.name} ${counts.get(c.name)}`);
  assert.ok(Math.abs(counts.get('champion')! / 40_000 - 0.04) < 0.006);
  const full = split(new LaneLayout('champion', [{ name: 'x', weight: 100 }]), 1000);
  assert.equal(full.get('x'), 1000);
});

test('random assignment follows the weights', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const layout = new LaneLayout('champion', CHALLENGERS);
  const counts = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const c = layout.random(rnd);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.ok(Math.abs(counts.get('champion')! / 20_000 - 0.8) < 0.015);
  assert.ok(Math.abs(counts.get('challenger-b')! / 20_000 - 0.05) < 0.008);
});
