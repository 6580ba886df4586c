/**
 * The races chart's weights over time, rebuilt from the current state and the decision log: manual set-weight
 * and rollback (`from`), the monitor's ramp (the judged window's weight) and a promotion (previous champion).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { weightHistory } from '../../web/src/pages/races/weight-history.js';

const decision = (ts: number, action: string, contender: string, details: unknown) => ({ id: `d${ts}`, ts, race: 'r', action, contender, reason: 'x', details, actor: null });

test('weights over time undo each decision back to the start', () => {
  const h = weightHistory(
    {
      champion: 'b',
      champion_since: 4000,
      weights: [{ contender: 'b', weight: 100 }, { contender: 'a', weight: 0 }, { contender: 'c', weight: 0 }],
      challengers: [
        { contender: 'a', weight: 0, status: 'retired', since: 4000 },
        { contender: 'c', weight: 0, status: 'rolled_back', since: 5000 },
      ],
      decisions: [
        decision(5000, 'manual', 'c', { change: 'rollback', from: 15 }),
        decision(4000, 'promote', 'b', { window: { weight: 50, step: 4 }, previousChampion: 'a' }),
        decision(3000, 'ramp', 'b', { window: { since: 2000, weight: 25, step: 3, requests: { champion: 900, challenger: 300 } }, tests: [] }),
        decision(2000, 'manual', 'b', { change: 'set-weight', from: 10, to: 25 }),
      ],
    },
    10_000,
  );
  assert.deepEqual(h.contenders, ['b', 'a', 'c']);
  assert.deepEqual(
    h.steps.map((s) => [s.ts, s.weights.a, s.weights.b, s.weights.c]),
    [
      [-50_000, 75, 10, 15],
      [2000, 60, 25, 15],
      [3000, 35, 50, 15],
      [4000, 0, 85, 15],
      [5000, 0, 100, 0],
      [10_000, 0, 100, 0],
    ],
  );
});

test('a race without decisions is one flat step over at least a minute', () => {
  const h = weightHistory({ champion: 'a', champion_since: 9_990_000, weights: [{ contender: 'a', weight: 80 }, { contender: 'b', weight: 20 }], challengers: [{ contender: 'b', weight: 20, status: 'active', since: 9_990_000 }], decisions: [] }, 10_000_000);
  assert.deepEqual(h.steps.map((s) => [s.ts, s.weights.a, s.weights.b]), [[9_940_000, 80, 20], [10_000_000, 80, 20]]);
});
