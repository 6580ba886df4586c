/**
 * One monitor tick over a real store: a challenger failing 20 % of its requests against a healthy champion is
 * rolled back; the decision is in the log with its numbers, the stored state and the routing table follow, and
 * the status shows the assessment. Healthy traffic after min_step_s ramps instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testDialects } from '../support/databases.js';
import { monitorRig } from './monitor-support.js';

const race = (challenger: string) => ({ champion: 'champ', challengers: [{ contender: challenger, weight: 10 }], sticky: false, policy: { type: 'canary', ramp: [10, 50], min_samples: 50, min_step_s: 30 } });

for (const dialect of testDialects()) {
  test(`a tick rolls back a failing challenger and ramps a healthy one (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { bad: race('flaky'), good: race('fine') });
    await rig.traffic('bad', 'champ', 900, 9);
    await rig.traffic('bad', 'flaky', 100, 20);
    await rig.traffic('good', 'champ', 900, 9);
    await rig.traffic('good', 'fine', 100, 1);
    rig.clock.now += 60_000;
    await rig.monitor.tick();

    const [rollback] = await rig.store.decisions.list('bad');
    assert.equal(rollback!.action, 'rollback');
    assert.equal(rollback!.contender, 'flaky');
    assert.equal(rollback!.actor, null);
    assert.match(rollback!.reason!, /^guardrail broken: error_rate \+0\.1900/);
    const details = rollback!.details as { window: { requests: { champion: number; challenger: number } }; tests: Array<{ metric: string; harm: { pValue: number } }> };
    assert.deepEqual(details.window.requests, { champion: 900, challenger: 100 });
    assert.ok(details.tests.find((m) => m.metric === 'error_rate')!.harm.pValue < 0.05);
    assert.equal(rig.states.get('bad')!.challengers[0]!.status, 'rolled_back');
    assert.deepEqual(rig.states.book.get('bad')!.entries.map((e) => [e.name, e.weight]), [['champ', 100], ['flaky', 0]]);
    assert.equal((await rig.store.raceState.get('bad'))!.version, 2);

    const [ramp] = await rig.store.decisions.list('good');
    assert.equal(ramp!.action, 'ramp');
    assert.deepEqual(rig.states.get('good')!.challengers[0], { contender: 'fine', weight: 50, since: rig.clock.now, status: 'active', step: 1, window: 2 });
    const status = rig.monitor.status('good');
    assert.ok(status && status.ok);
    assert.deepEqual(status.applied.map((a) => a.action), ['ramp']);
    assert.equal(status.assessment.challengers[0]!.requests.challenger, 100);

    // The next tick reads the new window (empty) and changes nothing.
    rig.clock.now += 5000;
    await rig.monitor.tick();
    assert.equal((await rig.store.decisions.list('good')).length, 1);
  });
}
