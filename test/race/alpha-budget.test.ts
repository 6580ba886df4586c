/**
 * The α budget of the harm (rollback) tests: every evidence window a challenger goes through — ramp steps the
 * config foresees, and windows it does not (manual weight changes, a bandit's later stints) — gets its own share of α,
 * and the shares over any number of windows add up to at most α. Checked on the shares themselves and on a real
 * store and monitor, where a person moves a challenger's weight by hand again and again between ticks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowShare } from '../../src/race/policies/index.js';
import { setWeight } from '../../src/race/race-control.js';
import { monitorRig } from './monitor-support.js';

test('window shares: 1/(S + 1) for each foreseen window, and never more than 1 in total', () => {
  for (const s of [1, 2, 4, 6]) {
    let total = 0;
    for (let j = 1; j <= 1_000_000; j++) total += windowShare(j, s);
    assert.ok(total <= 1 && total > 0.99999, `S = ${s}: Σ shares = ${total}`);
    for (let j = 1; j <= s; j++) assert.equal(windowShare(j, s), 1 / (s + 1));
    assert.ok(windowShare(s + 1, s) < 1 / (s + 1));
  }
});

test('manual weight changes open windows the config did not foresee: their harm tests together spend at most α', async (t) => {
  const race = { champion: 'champ', challengers: [{ contender: 'chal', weight: 10 }], sticky: false, policy: { type: 'canary', ramp: [10, 50], min_samples: 50, min_step_s: 3600 } };
  const rig = await monitorRig(t, 'sqlite', { r: race });
  const alpha = 0.05;
  // Per window: the ordinal and the α every harm test of that window ran at, times the family's size K.
  const spent: Array<{ window: number; familyAlpha: number }> = [];
  for (let change = 0; change < 8; change++) {
    await rig.traffic('r', 'champ', 400, 4);
    await rig.traffic('r', 'chal', 400, 4);
    rig.clock.now += 10_000;
    await rig.monitor.tick();
    const status = rig.monitor.status('r');
    assert.ok(status?.ok, 'the tick ran');
    const view = status.assessment.challengers[0]!;
    const tested = view.metrics.filter((m) => m.harm !== null);
    assert.ok(tested.length >= 2, 'the harm tests ran in this window');
    const levels = new Set(tested.map((m) => m.harm!.alpha));
    assert.equal(levels.size, 1, 'one level for the whole family');
    const state = rig.states.get('r')!.challengers[0]!;
    spent.push({ window: state.window ?? 1, familyAlpha: [...levels][0]! * view.metrics.length });
    // Someone moves the weight by hand (10 ↔ 20 %): a new window each time, ramp or not.
    await rig.states.update('r', (s) => setWeight(s, rig.config, 'chal', change % 2 === 0 ? 20 : 10, 'by hand', 'ops', rig.clock.now));
    rig.clock.now += 1000;
  }
  assert.deepEqual(spent.map((s) => s.window), [1, 2, 3, 4, 5, 6, 7, 8]);
  // S = 2 foreseen windows (10 % and 50 %): α/3 each; the rest share the last third.
  assert.ok(Math.abs(spent[0]!.familyAlpha - alpha / 3) < 1e-12);
  const total = spent.reduce((s, w) => s + w.familyAlpha, 0);
  assert.ok(total <= alpha, `α spent over ${spent.length} windows: ${total}`);
});
