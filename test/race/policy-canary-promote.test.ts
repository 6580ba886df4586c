/**
 * Canary promotion: only from the last ramp step, when the primary metric is significantly better and every
 * guardrail is significantly within its margin; otherwise the assessment says what it waits for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'canary', ramp: [5, 25, 50], primary: 'feedback' });
const better = evidence({ 0: [
  arm('champ', { requests: 20_000, errors: 100, feedback: { n: 4000, mean: 0.3 } }),
  arm('chal', { requests: 20_000, errors: 100, feedback: { n: 4000, mean: 0.45 } }),
] });

test('promotes from the last step when feedback is better and error rate and latency are within their margins', () => {
  const s = state([{ contender: 'chal', weight: 50, step: 2 }]);
  const v = decide(input(race, s, better, 30 * MIN));
  assert.equal(v.changes.length, 1);
  assert.equal(v.changes[0]!.kind, 'promote');
  const done = applyPolicyChange(structuredClone(s), v.changes[0]!, 30 * MIN)!;
  assert.equal(done.decision.action, 'promote');
  assert.equal(done.state.champion, 'chal');
  assert.deepEqual(done.state.challengers, [{ contender: 'champ', weight: 0, since: 30 * MIN, status: 'retired', step: 0 }]);
  const tests = (done.decision.details as { tests: Array<{ metric: string; superior: { significant: boolean } | null; nonInferior: { significant: boolean } | null }> }).tests;
  assert.equal(tests.find((t) => t.metric === 'feedback')!.superior!.significant, true);
  assert.equal(tests.find((t) => t.metric === 'error_rate')!.nonInferior!.significant, true);
  assert.equal((done.decision.details as { previousChampion: string }).previousChampion, 'champ');
});

test('below the last step the same evidence ramps instead', () => {
  const v = decide(input(race, state([{ contender: 'chal', weight: 25, step: 1 }]), better, 30 * MIN));
  assert.deepEqual(v.changes.map((c) => c.kind), ['ramp']);
});

test('no promotion while a guardrail is not yet shown within its margin', () => {
  // Latency 9 % slower: within the 10 % margin on average, but 20,000 requests cannot show it at this spread.
  const close = evidence({ 0: [
    arm('champ', { requests: 20_000, errors: 100, latencySd: 1.5, feedback: { n: 4000, mean: 0.3 } }),
    arm('chal', { requests: 20_000, errors: 100, latencyMs: 872, latencySd: 1.5, feedback: { n: 4000, mean: 0.45 } }),
  ] });
  const v = decide(input(race, state([{ contender: 'chal', weight: 50, step: 2 }]), close, 30 * MIN));
  assert.deepEqual(v.changes, []);
  assert.match(v.assessment.challengers[0]!.note, /waiting for p95_latency to be shown within its margin/);
});
