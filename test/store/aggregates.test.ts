/**
 * Per-contender aggregates on known data: counts, error and cut counts, token and cost sums, and percentiles by
 * linear interpolation (the `percentile_cont` / NumPy default), over successful served rows only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { RequestLogRow } from '../../src/store/types.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

const T0 = 1_700_000_000_000;

/** Rounds every number to 9 decimals: 0.95 × 9 is 8.549999… in binary, so exact p95s differ in the last ulp. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))) as T;
}

function rowsOf(): RequestLogRow[] {
  const rows: RequestLogRow[] = [];
  // champ: 10 ok rows with latency 100..1000 and ttft 10..100, one error (latency 5 must not enter percentiles).
  for (let i = 1; i <= 10; i++) rows.push(requestRow({ id: `c${i}`, ts: T0 + i, contender: 'champ', latencyMs: 100 * i, ttftMs: 10 * i, promptTokens: 10, completionTokens: i, reasoningTokens: 1, cachedTokens: 2, costNanos: 3_000_000_000 }));
  rows.push(requestRow({ id: 'c-err', ts: T0 + 11, contender: 'champ', outcome: 'error', status: 502, latencyMs: 5, ttftMs: null, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, cachedTokens: 0, costNanos: 0 }));
  // chal: two ok (one without ttft), one cut; plus a shadow row and rows outside the window or race.
  rows.push(requestRow({ id: 'h1', ts: T0 + 1, contender: 'chal', latencyMs: 50, ttftMs: 7, costNanos: 1, currency: 'CNY' }));
  rows.push(requestRow({ id: 'h2', ts: T0 + 2, contender: 'chal', latencyMs: 70, ttftMs: null, costNanos: 2, currency: 'CNY' }));
  rows.push(requestRow({ id: 'h3', ts: T0 + 3, contender: 'chal', outcome: 'cut', latencyMs: 9000, costNanos: 4, currency: 'CNY' }));
  rows.push(requestRow({ id: 'h-shadow', ts: T0 + 4, contender: 'chal', shadow: true, parentId: 'c1', latencyMs: 1, costNanos: 1000, currency: 'CNY' }));
  rows.push(requestRow({ id: 'old', ts: T0 - 1, contender: 'champ', latencyMs: 1 }));
  rows.push(requestRow({ id: 'other-race', ts: T0 + 1, race: 'coder', contender: 'champ', latencyMs: 1 }));
  return rows;
}

for (const dialect of testDialects()) {
  test(`aggregateByContender on known data (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    await Promise.all(rowsOf().map((r) => store.requestLog.append(r)));

    const [chal, champ, ...rest] = rounded(await store.requests.aggregateByContender('assistant', T0));
    assert.equal(rest.length, 0);
    // Latencies 100..1000: p50 = 550, p95 at rank 0.95*9 = 8.55 → 900 + 0.55*100 = 955.
    assert.deepEqual(champ, {
      contender: 'champ', n: 11, errors: 1, cuts: 0, rescued: 0, served: 11,
      latencyMs: { n: 10, mean: 550, p50: 550, p95: 955 },
      ttftMs: { n: 10, mean: 55, p50: 55, p95: 95.5 },
      promptTokens: 100, completionTokens: 55, reasoningTokens: 10, cachedTokens: 20,
      costNanos: 30_000_000_000, currency: 'USD',
    });
    assert.deepEqual(chal, {
      contender: 'chal', n: 3, errors: 1, cuts: 1, rescued: 0, served: 3,
      latencyMs: { n: 2, mean: 60, p50: 60, p95: 69 },
      ttftMs: { n: 1, mean: 7, p50: 7, p95: 7 },
      promptTokens: 126, completionTokens: 51, reasoningTokens: 9, cachedTokens: 24,
      costNanos: 7, currency: 'CNY',
    });

    const withShadow = await store.requests.aggregateByContender('assistant', T0, { includeShadow: true });
    assert.equal(withShadow.find((a) => a.contender === 'chal')?.n, 4);
    const bounded = await store.requests.aggregateByContender('assistant', T0, { maxSamples: 2 });
    // The two most recent ok champ rows: latencies 900 and 1000.
    assert.deepEqual(rounded(bounded.find((a) => a.contender === 'champ')?.latencyMs), { n: 2, mean: 950, p50: 950, p95: 995 });
    assert.deepEqual(await store.requests.aggregateByContender('nobody', 0), []);
  });

  test(`aggregateByContender groups by the assigned contender and shows who served (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    // chal was assigned three requests: one ok, and two it failed before the first byte that champ rescued.
    const failed = [{ contender: 'chal', code: 'upstream_error', message: 'chal: network error (ECONNRESET)', ms: 3.2 }];
    await Promise.all([
      store.requestLog.append(requestRow({ id: 'a1', ts: T0 + 1, contender: 'chal', latencyMs: 40, costNanos: 5 })),
      store.requestLog.append(requestRow({ id: 'a2', ts: T0 + 2, contender: 'champ', fallbackFrom: 'chal', failedAttempts: failed, latencyMs: 900, costNanos: 100 })),
      store.requestLog.append(requestRow({ id: 'a3', ts: T0 + 3, contender: 'champ', fallbackFrom: 'chal', failedAttempts: failed, latencyMs: 800, costNanos: 100 })),
      store.requestLog.append(requestRow({ id: 'a4', ts: T0 + 4, contender: 'champ', latencyMs: 300, costNanos: 100 })),
    ]);
    const [chal, champ] = await store.requests.aggregateByContender('assistant', T0);
    assert.deepEqual([chal!.contender, chal!.n, chal!.errors, chal!.rescued, chal!.served, chal!.costNanos], ['chal', 3, 2, 2, 1, 5]);
    assert.equal(chal!.latencyMs?.n, 1, 'the rescued rows are not chal latencies');
    assert.deepEqual([champ!.contender, champ!.n, champ!.errors, champ!.rescued, champ!.served, champ!.costNanos], ['champ', 1, 0, 0, 3, 300]);
    assert.equal(champ!.latencyMs?.n, 1);
    assert.deepEqual((await store.requests.getRequest('a2'))?.failedAttempts, failed);
  });
}
