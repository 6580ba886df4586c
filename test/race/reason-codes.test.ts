/**
 * Every decision and note of the monitor carries its reason twice: the English text the API and CLI print, and a
 * code with its parameters (stored in the decision's details as `reason_code` and `reason_params`) that a page
 * says in its own language. The parameters are the text's own numbers, so both always say the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPolicyChange, decide } from '../../src/race/policies/index.js';
import { arm, evidence, input, MIN, raceWith, state } from './policy-fixtures.js';

const race = raceWith({ type: 'canary', ramp: [5, 25, 50], min_samples: 100, min_step_s: 60, guardrails: { error_rate: { margin: 0.01 } } });

test('a rollback stores its reason code and the numbers of its text beside the statistics', () => {
  const e = evidence({ 0: [arm('champ', { requests: 5000, errors: 50 }), arm('chal', { requests: 500, errors: 50 })] });
  const s = state([{ contender: 'chal' }]);
  const v = decide(input(race, s, e, MIN));
  const done = applyPolicyChange(structuredClone(s), v.changes[0]!, MIN)!;
  const details = done.decision.details as { reason_code: string; reason_params: Record<string, string>; tests: unknown[] };
  assert.equal(details.reason_code, 'guardrail_broken');
  const p = details.reason_params;
  assert.equal(done.decision.reason, `guardrail broken: ${p.metric} ${p.effect} (bound ${p.bound} ${p.cmp} ${p.limit}, p = ${p.p})`);
  assert.deepEqual([p.metric, p.effect, p.cmp, p.limit], ['error_rate', '+0.0900', '>', '+0.0100']);
  assert.ok(Array.isArray(details.tests), 'the statistics stay beside the code');
  // The rolled-back challenger's note says the same as a code.
  assert.deepEqual(v.assessment.challengers[0]!.why, { code: 'note_status', params: { status: 'rolled_back' } });
  assert.equal(v.assessment.challengers[0]!.note, 'rolled back');
});

test('a ramp and a hold carry codes with the weights; a waiting note carries its numbers', () => {
  const healthy = evidence({ 0: [arm('champ', { requests: 2000, errors: 20 }), arm('chal', { requests: 200, errors: 2 })] });
  const s = state([{ contender: 'chal' }]);
  const ramp = decide(input(race, s, healthy, 2 * MIN)).changes[0]!;
  const applied = applyPolicyChange(structuredClone(s), ramp, 2 * MIN)!;
  const details = applied.decision.details as { reason_code: string; reason_params: Record<string, number> };
  assert.equal(details.reason_code, 'ramp');
  assert.deepEqual(details.reason_params, { seconds: 120, requests: 200, from: 5, to: 25 });
  assert.equal(applied.decision.reason, 'guardrails hold after 120 s and 200 requests: 5% → 25%');

  const early = decide(input(race, s, healthy, 30_000)).assessment.challengers[0]!;
  assert.equal(early.why?.code, 'note_next_step');
  assert.deepEqual(early.why?.params, { next: 25, min_step_s: 60, min_samples: 100, elapsed: 30, champion: 2000, challenger: 200 });

  const leaning = evidence({ 0: [arm('champ', { requests: 2000, latencyMs: 800 }), arm('chal', { requests: 200, latencyMs: 944 })] });
  // The default guardrails hold p95 latency to a 10 % margin: 18 % slower leans past it without being significant.
  const defaults = raceWith({ type: 'canary', ramp: [5, 25, 50], min_samples: 100, min_step_s: 60 });
  const hold = decide(input(defaults, s, leaning, 2 * MIN)).changes[0]!;
  assert.deepEqual(hold.why, { code: 'hold_leaning', params: { weight: 5, metrics: 'p95_latency' } });
});

test('a blocked race says why as a code too', () => {
  const healthy = evidence({ 0: [arm('champ', { requests: 2000 }), arm('chal', { requests: 200 })] });
  const v = decide(input(race, state([{ contender: 'chal' }], { frozen: 'spend cap' }), healthy, 2 * MIN));
  assert.equal(v.assessment.blocked, 'frozen (spend cap)');
  assert.deepEqual(v.assessment.blocked_why, { code: 'blocked_frozen', params: { reason: 'spend cap' } });
  assert.deepEqual(v.assessment.challengers[0]!.why, { code: 'note_blocked', params: { blocked: 'blocked_frozen', reason: 'spend cap' } });
});
