/**
 * A bandit's guardrails over a real store watch the challenger's whole stint: its first tick moves the weights
 * (a new allocation epoch), and the harm the challenger showed before that move still counts after it. Each
 * window alone is too little evidence for a rollback; the stint is enough, and the decision says which window
 * it read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testDialects } from '../support/databases.js';
import { monitorRig } from './monitor-support.js';

// Per window, each arm: N requests, the champion failing 1, the challenger E (8 % against 0.5 %, with the default
// 1-point error margin): one window's evidence does not roll it back, two windows' do.
const N = 200;
const E = 16;
const race = { champion: 'champ', challengers: [{ contender: 'arm', weight: 50 }], sticky: false, policy: { type: 'bandit', primary: 'error_rate', min_samples: 50, min_step_s: 30 } };

for (const dialect of testDialects()) {
  test(`a bandit rolls back on the evidence of the whole stint, across a re-weight (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { r: race });
    const start = rig.clock.now;
    await rig.traffic('r', 'champ', N, 1);
    await rig.traffic('r', 'arm', N, E);
    rig.clock.now += 60_000;
    await rig.monitor.tick();
    const first = await rig.store.decisions.list('r');
    assert.deepEqual(first.map((d) => d.action), ['ramp'], 'the first tick re-weights, and rolls nothing back');
    const moved = rig.states.get('r')!.challengers[0]!;
    assert.equal(moved.since, rig.clock.now);
    assert.equal(moved.stintSince, start);

    await rig.traffic('r', 'champ', N, 1);
    await rig.traffic('r', 'arm', N, E);
    rig.clock.now += 5000;
    await rig.monitor.tick();
    const [rollback] = await rig.store.decisions.list('r');
    assert.equal(rollback!.action, 'rollback');
    assert.equal(rollback!.contender, 'arm');
    const details = rollback!.details as { window: { since: number; ordinal: number; requests: { champion: number; challenger: number } } };
    assert.deepEqual([details.window.since, details.window.ordinal, details.window.requests], [start, 1, { champion: 2 * N, challenger: 2 * N }]);
    assert.equal(rig.states.get('r')!.challengers[0]!.status, 'rolled_back');
    assert.deepEqual(rig.states.book.get('r')!.entries.map((e) => [e.name, e.weight]), [['champ', 100], ['arm', 0]]);
  });
}
