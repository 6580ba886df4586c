/**
 * The sums the race monitor tests on, computed in SQL on both dialects: client-abandoned rows and shutdown cuts leave
 * the error rate, a request a fallback rescued is its assigned arm's failure, cuts count as errors, truncations are counted apart, log moments of latency and TTFT match JS, squared costs do
 * not overflow, feedback moments, and distinct users for the sample-ratio check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { RequestLogRow } from '../../src/store/types.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';

const T0 = 1_700_000_000_000;

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} ≉ ${expected}`);
}

function rows(): RequestLogRow[] {
  const out: RequestLogRow[] = [];
  const lat = [100, 200, 400, 800];
  lat.forEach((ms, i) => out.push(requestRow({ id: `a${i}`, ts: T0 + i, contender: 'champ', userHash: `u${i % 2}`, latencyMs: ms, ttftMs: ms / 10, costNanos: 5_000_000_000, currency: 'CNY' })));
  out.push(requestRow({ id: 'a-err', ts: T0 + 5, contender: 'champ', userHash: null, outcome: 'error', errorCode: 'upstream_error', latencyMs: 3, ttftMs: null, costNanos: 0, currency: 'CNY' }));
  out.push(requestRow({ id: 'a-gone', ts: T0 + 6, contender: 'champ', userHash: null, outcome: 'error', errorCode: 'client_closed', latencyMs: 50, costNanos: 1_000_000_000, currency: 'CNY' }));
  out.push(requestRow({ id: 'b-ok', ts: T0 + 1, contender: 'chal', latencyMs: 0.5, ttftMs: 0.2, finishReason: 'length', costNanos: 7, currency: 'CNY' }));
  out.push(requestRow({ id: 'b-cut', ts: T0 + 2, contender: 'chal', outcome: 'cut', errorCode: 'upstream_stream_cut', latencyMs: 900, costNanos: 3, currency: 'CNY' }));
  // Cut by the gateway's own shutdown: nothing about the contender. Rescued by the champion: the challenger's failure.
  out.push(requestRow({ id: 'b-shutdown', ts: T0 + 4, contender: 'chal', outcome: 'cut', errorCode: 'server_shutting_down', latencyMs: 300, costNanos: 0, currency: 'CNY' }));
  out.push(requestRow({ id: 'b-rescued', ts: T0 + 7, contender: 'champ', fallbackFrom: 'chal', latencyMs: 700, costNanos: 0, currency: 'CNY' }));
  out.push(requestRow({ id: 'b-shadow', ts: T0 + 3, contender: 'chal', shadow: true, parentId: 'a0', outcome: 'error' }));
  out.push(requestRow({ id: 'late', ts: T0 + 100, contender: 'chal' }));
  return out;
}

for (const dialect of testDialects()) {
  test(`metric moments and assignment counts (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    await Promise.all(rows().map((r) => store.requestLog.append(r)));

    const [chal, champ] = await store.requests.metricMoments('assistant', T0, { untilMs: T0 + 100 });
    assert.equal(champ!.contender, 'champ');
    assert.deepEqual([champ!.requests, champ!.errors, champ!.cuts, champ!.truncations], [5, 1, 0, 0]);
    const logs = [100, 200, 400, 800].map(Math.log);
    assert.equal(champ!.logLatency.n, 4);
    close(champ!.logLatency.sum, logs.reduce((a, b) => a + b, 0));
    close(champ!.logLatency.sumSquares, logs.reduce((a, b) => a + b * b, 0));
    close(champ!.logTtft.sum, logs.reduce((a, b) => a + b - Math.log(10), 0));
    // 6 rows including the abandoned one; 5e9² × 4 + 1e9² = 1.01e20, far past a bigint.
    assert.deepEqual(champ!.cost, { n: 6, sum: 21e9, sumSquares: 1.01e20 });
    assert.equal(champ!.currency, 'CNY');

    assert.deepEqual([chal!.requests, chal!.errors, chal!.cuts, chal!.truncations], [3, 2, 1, 1]);
    // Sub-millisecond latency counts as 1 ms: ln 1 = 0.
    assert.deepEqual(chal!.logLatency, { n: 1, sum: 0, sumSquares: 0 });
    assert.deepEqual(chal!.cost, { n: 4, sum: 10, sumSquares: 58 });
    // The late row is charged in USD: one row per arm and currency, costs never summed across currencies.
    const chalRows = (await store.requests.metricMoments('assistant', T0)).filter((m) => m.contender === 'chal');
    assert.deepEqual(chalRows.map((m) => [m.currency, m.requests, m.cost.n]).sort(), [['CNY', 3, 4], ['USD', 1, 1]]);

    assert.deepEqual((await store.requests.metricMoments('assistant', T0, { contenders: ['chal'] })).map((m) => m.contender), ['chal', 'chal']);
    const counts = await store.requests.assignmentCounts('assistant', T0);
    assert.deepEqual(counts, [
      { contender: 'chal', rows: 5, users: 1, anonymous: 0 },
      { contender: 'champ', rows: 6, users: 2, anonymous: 2 },
    ]);
    assert.deepEqual(await store.requests.assignmentCounts('assistant', T0, { untilMs: T0 + 2, contenders: ['champ'] }), [{ contender: 'champ', rows: 2, users: 2, anonymous: 0 }]);

    // One current rating per request: three rated requests in the window, one rated before it.
    for (const [i, score] of [1, -1, 0.5].entries()) {
      await store.feedback.insertFeedback({ id: `f${i}`, ts: T0 + i, requestId: `a${i}`, race: 'assistant', contender: 'champ', team: null, keyId: null, score, comment: null });
    }
    await store.feedback.insertFeedback({ id: 'f-old', ts: T0 - 1, requestId: 'a-old', race: 'assistant', contender: 'champ', team: null, keyId: null, score: 1, comment: null });
    assert.deepEqual(await store.feedback.metricMoments('assistant', T0), [{ contender: 'champ', n: 3, sum: 0.5, sumSquares: 2.25 }]);
    assert.deepEqual(await store.feedback.metricMoments('assistant', T0, { untilMs: T0 + 1, contenders: ['champ'] }), [{ contender: 'champ', n: 1, sum: 1, sumSquares: 1 }]);
  });
}
