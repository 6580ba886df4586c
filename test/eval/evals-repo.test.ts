/** The evals repo round-trips runs, cached results, spend and gate verdicts on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradeId, openStore, type EvalResultRow, type GateResultRow } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const T0 = 1_700_000_000_000;

function result(over: Partial<EvalResultRow>): EvalResultRow {
  return {
    cacheKey: 'k1', runId: 'run_a', ts: T0, contender: 'solver', itemId: 'i1', variantId: 'i1', sample: 0, ok: true,
    answer: '42', errorCode: null, errorMessage: null,
    latencyMs: 12.5, ttftMs: 3.25, attempts: 1, promptTokens: 30, completionTokens: 4, usageEstimated: false,
    costNanos: 1_234_000, currency: 'CNY', ...over,
  };
}

for (const dialect of testDialects()) {
  test(`eval runs, results, spend and gates round-trip (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    const run = { id: 'run_a', createdAt: T0, updatedAt: T0, status: 'running' as const, stopReason: null, label: 'arith', spec: { samples: 2 }, plan: { variants: [{ id: 'i1' }] } };
    await store.evals.createRun(run);
    await store.evals.createRun({ ...run, id: 'run_b', createdAt: T0 + 1 });
    assert.deepEqual(await store.evals.getRun('run_a'), run);
    assert.equal(await store.evals.getRun('nope'), null);
    await store.evals.setRunStatus('run_a', 'stopped', 'cost cap reached', T0 + 5);
    const listed = await store.evals.listRuns();
    assert.deepEqual(listed.map((r) => [r.id, r.status, r.stopReason]), [['run_b', 'running', null], ['run_a', 'stopped', 'cost cap reached']]);
    assert.ok(!('plan' in listed[0]!), 'listing leaves the plan out');

    const a = result({});
    const pending = result({ cacheKey: 'k2', variantId: 'i1~reformat.0', currency: 'USD', costNanos: 5 });
    const failed = result({ cacheKey: 'k3', ok: false, answer: null, errorCode: 'upstream_error', errorMessage: 'upstream 500', ttftMs: null, usageEstimated: true });
    for (const r of [a, pending, failed]) await store.evals.putResult(r);
    await store.evals.putResult({ ...a, answer: 'overwritten?', runId: 'run_b' });
    const keys = Array.from({ length: 1200 }, (_, i) => `missing-${i}`).concat(['k3', 'k1', 'k2']);
    const found = new Map((await store.evals.findResults(keys)).map((r) => [r.cacheKey, r]));
    assert.deepEqual(found.get('k1'), a, 'the first writer of a key wins');
    assert.deepEqual(found.get('k2'), pending);
    assert.deepEqual(found.get('k3'), failed);
    assert.equal(found.size, 3);
    const retried = result({ cacheKey: 'k3', runId: 'run_b', answer: '7' });
    await store.evals.putResult(retried);
    assert.deepEqual((await store.evals.findResults(['k3']))[0], retried, 'a failed call is replaced by its retry');
    await store.evals.putResult(failed);

    // Grades are per (answer, grading): two gradings of one answer are two grades; a regrade of the pair replaces it.
    const strict = { cacheKey: 'k2', gradingKey: 'g-strict', runId: 'run_a', ts: T0, grade: { ok: true, pass: false, score: 0.3, extracted: null }, judgeCostNanos: 777, judgeCurrency: 'CNY' };
    const lenient = { ...strict, gradingKey: 'g-lenient', runId: 'run_b', grade: { ok: true, pass: true, score: 1, extracted: null }, judgeCostNanos: 0, judgeCurrency: null };
    await store.evals.putGrade(strict);
    await store.evals.putGrade(lenient);
    const grades = await store.evals.findGrades([{ cacheKey: 'k2', gradingKey: 'g-strict' }, { cacheKey: 'k2', gradingKey: 'g-lenient' }, { cacheKey: 'k2', gradingKey: 'g-other' }, { cacheKey: 'k1', gradingKey: 'g-strict' }]);
    assert.deepEqual([...grades.keys()].sort(), [gradeId('k2', 'g-lenient'), gradeId('k2', 'g-strict')]);
    assert.deepEqual(grades.get(gradeId('k2', 'g-strict')), strict);
    assert.deepEqual(grades.get(gradeId('k2', 'g-lenient')), lenient);
    await store.evals.putGrade({ ...strict, grade: { ok: true, pass: true, score: 0.9, extracted: null } });
    assert.deepEqual((await store.evals.findGrades([strict])).get(gradeId('k2', 'g-strict'))!.grade, { ok: true, pass: true, score: 0.9, extracted: null });
    assert.deepEqual(await store.evals.runSpend('run_a'), { CNY: 1_234_000 + 777, USD: 5 });
    assert.deepEqual(await store.evals.runSpend('run_b'), { CNY: 1_234_000 });

    const g1: GateResultRow = { id: 'g1', ts: T0, race: 'assistant', challenger: 'memo', passed: false, reasons: [{ check: 'gap', ok: false }], runId: 'run_a' };
    const g2: GateResultRow = { ...g1, id: 'g2', ts: T0 + 10, passed: true, reasons: [], runId: null };
    for (const g of [g1, g2, { ...g1, id: 'g3', challenger: 'solver', ts: T0 + 20 }]) await store.evals.insertGate(g);
    assert.deepEqual(await store.evals.latestGate('assistant', 'memo'), g2);
    assert.equal(await store.evals.latestGate('assistant', 'nobody'), null);
    assert.deepEqual((await store.evals.listGates('assistant')).map((g) => g.id), ['g3', 'g2', 'g1']);
  });
}
