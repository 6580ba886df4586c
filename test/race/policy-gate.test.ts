/**
 * Gate policy: a challenger waits at weight 0 until its latest launch-gate verdict passes, the assessment says
 * why it waits, and a passing verdict lets it in at its configured weight with a `ramp` decision "gate passed".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide } from '../../src/race/policies/index.js';
import { routedChallengers } from '../../src/race/race-state.js';
import { evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'gate', ramp: [10, 50] }, [{ contender: 'chal', weight: 10 }]);
const waiting = state([{ contender: 'chal', weight: 10, status: 'waiting_gate' }]);

test('waits with no verdict and with a failed one, routing nothing to the challenger', () => {
  assert.deepEqual(routedChallengers(waiting), [{ contender: 'chal', weight: 0 }]);
  const none = decide(input(race, waiting, evidence({}, { gates: { chal: null } }), MIN));
  assert.deepEqual(none.changes, []);
  assert.match(none.assessment.challengers[0]!.note, /no verdict yet/);
  const failed = decide(input(race, waiting, evidence({}, { gates: { chal: { passed: false, ts: 1000, reasons: { score: 61 } } } }), MIN));
  assert.deepEqual(failed.changes, []);
  assert.match(failed.assessment.challengers[0]!.note, /latest verdict \(1970-01-01T00:00:01\.000Z\) failed/);
});

test('a passing verdict activates the challenger at its configured weight', () => {
  const v = decide(input(race, waiting, evidence({}, { gates: { chal: { passed: true, ts: 2000, reasons: { score: 91 } } } }), MIN));
  assert.equal(v.changes.length, 1);
  const done = applyPolicyChange(structuredClone(waiting), v.changes[0]!, MIN)!;
  assert.equal(done.decision.action, 'ramp');
  assert.equal(done.decision.reason, 'gate passed');
  assert.deepEqual((done.decision.details as { gate: unknown }).gate, { passed: true, ts: 2000, reasons: { score: 91 } });
  assert.deepEqual(done.state.challengers[0], { contender: 'chal', weight: 10, since: MIN, status: 'active', step: 0 });
  assert.deepEqual(routedChallengers(done.state), [{ contender: 'chal', weight: 10 }]);
});
