/**
 * Decision pins on the races chart never hide one another: decisions in the same second (a rollback and a
 * promotion of one tick) step down one below the other; decisions apart in time stay at the top.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinPlaces } from '../../web/src/pages/races/decision-pins.js';

test('pins of decisions close in time step down; distant ones stay at the top', () => {
  const day = 86_400_000;
  const t0 = 1_800_000_000_000;
  // Newest first, as the decision log lists them: two in the same second, one a day before, one a week before.
  const places = pinPlaces([t0 + day, t0 + day, t0, t0 - 6 * day], 7 * day);
  assert.deepEqual(places.map((p) => p.y), [100, 88, 100, 100]);
  const ys = new Set(places.slice(0, 2).map((p) => p.y));
  assert.equal(ys.size, 2, 'the same-second pins differ in height');
  // Many in one moment stay on the chart.
  assert.ok(pinPlaces(Array.from({ length: 20 }, () => t0), day).every((p) => p.y >= 16 && p.y <= 100));
});
