/**
 * Canary ramping: a challenger climbs to the next ramp step only after `min_step_s` and `min_samples` requests per
 * arm with no guardrail leaning past its margin, and applying the ramp opens a new evidence window.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'canary', ramp: [5, 25, 50], min_samples: 100, min_step_s: 60 });
const healthy = evidence({ 0: [arm('champ', { requests: 2000, errors: 20 }), arm('chal', { requests: 200, errors: 2 })] });

test('no ramp before min_step_s, nor before min_samples per arm', () => {
  const early = decide(input(race, state([{ contender: 'chal' }]), healthy, 30_000));
  assert.deepEqual(early.changes, []);
  assert.match(early.assessment.challengers[0]!.note, /next step 25% after 60 s/);
  const few = evidence({ 0: [arm('champ', { requests: 2000 }), arm('chal', { requests: 60 })] });
  assert.deepEqual(decide(input(race, state([{ contender: 'chal' }]), few, 10 * MIN - 1)).changes, []);
});

test('a lane too quiet for min_samples ramps after 10 x min_step_s, unless a guardrail leans', () => {
  // A sticky lane at a low weight may hold no users at all: it would wait for min_samples forever.
  const empty = evidence({ 0: [arm('champ', { requests: 2000 }), arm('chal', { requests: 0 })] });
  const v = decide(input(race, state([{ contender: 'chal' }]), empty, 10 * MIN));
  assert.equal(v.changes[0]?.kind, 'ramp');
  // Nor does the champion's side of the count wait: it must have min_samples itself.
  const both = evidence({ 0: [arm('champ', { requests: 50 }), arm('chal', { requests: 0 })] });
  assert.deepEqual(decide(input(race, state([{ contender: 'chal' }]), both, 10 * MIN)).changes, []);
});

test('ramps to the next step once time and samples are met; the applied state starts a new window', () => {
  const s = state([{ contender: 'chal' }]);
  const v = decide(input(race, s, healthy, 2 * MIN));
  assert.equal(v.changes.length, 1);
  const change = v.changes[0]!;
  assert.equal(change.kind, 'ramp');
  assert.equal(change.kind === 'ramp' && change.to, 25);
  const tests = (change.details as { tests: Array<{ metric: string; harm: unknown }> }).tests;
  assert.deepEqual(tests.map((t) => t.metric).sort(), ['error_rate', 'feedback', 'p95_latency']);
  const applied = applyPolicyChange(structuredClone(s), change, 2 * MIN)!;
  assert.deepEqual(applied.state.challengers[0], { contender: 'chal', weight: 25, since: 2 * MIN, status: 'active', step: 1, window: 2 });
  assert.equal(applied.decision.action, 'ramp');
  // The same change on a state whose window moved meanwhile is dropped.
  assert.equal(applyPolicyChange(structuredClone(applied.state), change, 3 * MIN), null);
});

test('holds (once) while a guardrail leans past its margin without being significant', () => {
  // 18 % slower against a 10 % margin: z ≈ 1.9 beyond the margin, a lean; far from the always-valid bound.
  const leaning = evidence({ 0: [arm('champ', { requests: 2000, latencyMs: 800 }), arm('chal', { requests: 200, latencyMs: 944 })] });
  const v = decide(input(race, state([{ contender: 'chal' }]), leaning, 2 * MIN));
  assert.equal(v.changes.length, 1);
  assert.equal(v.changes[0]!.kind, 'hold');
  assert.match(v.changes[0]!.reason, /p95_latency leans past the margin/);
  const key = v.changes[0]!.kind === 'hold' ? v.changes[0]!.key : '';
  const again = decide(input(race, state([{ contender: 'chal' }]), leaning, 3 * MIN, { lastReweightAt: null, srmAlertedSince: null, holds: new Set([key]) }));
  assert.deepEqual(again.changes, []);
});
