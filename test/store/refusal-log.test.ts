/**
 * The refusal log: counts per minute and combination, adds into stored records, and keeps the counts of a flush the
 * store did not take (here: another connection holds the SQLite write lock) for the next one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import type { Refusal } from '../../src/store/types.js';
import { storeUrlFor } from '../support/databases.js';

const MINUTE = 1_765_000_020_000 - (1_765_000_020_000 % 60_000);

function refusal(ts: number, id: string, extra: Partial<Refusal> = {}): Refusal {
  return { ts, id, team: 'lab', keyId: 'key_1', race: 'r', contender: 'm', status: 429, code: 'budget_exceeded', message: "Budget 'tiny' is spent for this period.", ...extra };
}

test('refusal log: one record per minute and combination; a failed flush is kept and added to the next', async (t) => {
  const url = await storeUrlFor('sqlite', t);
  const store = await openStore(url, { busyTimeoutMs: 20 });
  t.after(() => store.close());
  const log = store.refusalLog;
  // Out of order within the minute: the first refusal is the earliest, whatever came first.
  log.note(refusal(MINUTE + 30_000, 'req_b'));
  log.note(refusal(MINUTE + 10_000, 'req_a'));
  log.note(refusal(MINUTE + 50_000, 'req_c'));
  log.note(refusal(MINUTE + 20_000, 'req_d', { keyId: 'key_2' }));
  log.note(refusal(MINUTE + 70_000, 'req_e'));
  log.note(refusal(MINUTE + 40_000, 'req_f', { code: 'rate_limit_exceeded', message: 'Rate limit reached for requests per minute.' }));
  await log.flush();
  const all = await store.refusals.list({ limit: 10 });
  const byKey = all.map((r) => [r.ts - MINUTE, r.keyId, r.code, r.count, r.firstId, r.firstTs - MINUTE, r.lastTs - MINUTE]).sort((a, b) => String(a).localeCompare(String(b)));
  assert.deepEqual(byKey, [
    [0, 'key_1', 'budget_exceeded', 3, 'req_a', 10_000, 50_000],
    [0, 'key_1', 'rate_limit_exceeded', 1, 'req_f', 40_000, 40_000],
    [0, 'key_2', 'budget_exceeded', 1, 'req_d', 20_000, 20_000],
    [60_000, 'key_1', 'budget_exceeded', 1, 'req_e', 70_000, 70_000],
  ]);
  assert.equal(log.recordsWritten, 4);

  // Another process holds the write lock: the flush fails, and its counts wait for the next one.
  const file = url.slice('sqlite:'.length);
  const other = new Database(file);
  t.after(() => other.close());
  other.exec('begin exclusive');
  log.note(refusal(MINUTE + 5_000, 'req_g'));
  log.note(refusal(MINUTE + 55_000, 'req_h'));
  await log.flush();
  assert.equal(log.recordsWritten, 4, 'nothing was written');
  other.exec('rollback');
  log.note(refusal(MINUTE + 56_000, 'req_i'));
  await log.flush();
  const first = (await store.refusals.list({ limit: 10 })).find((r) => r.ts === MINUTE && r.keyId === 'key_1' && r.code === 'budget_exceeded')!;
  assert.deepEqual([first.count, first.firstId, first.firstTs - MINUTE, first.lastTs - MINUTE], [6, 'req_g', 5_000, 56_000]);
  assert.equal(log.dropped, 0);
  assert.equal(log.noted, 9);
});

test('refusal log: past its limit of combinations a refusal is counted as dropped, never stored unbounded', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t), { refusalLog: { maxEntries: 3 } });
  t.after(() => store.close());
  for (let i = 0; i < 5; i++) store.refusalLog.note(refusal(MINUTE, `req_${i}`, { keyId: `key_${i}` }));
  store.refusalLog.note(refusal(MINUTE, 'req_again', { keyId: 'key_0' }));
  await store.refusalLog.flush();
  assert.equal(store.refusalLog.dropped, 2);
  const stored = await store.refusals.list({ limit: 10 });
  assert.equal(stored.length, 3);
  assert.equal(stored.reduce((n, r) => n + r.count, 0), 4);
});

test('refusal log: a flush called while another write is under way still writes what was counted before it', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t));
  t.after(() => store.close());
  const log = store.refusalLog;
  log.note(refusal(MINUTE + 1_000, 'req_1'));
  // A write under way (the timer's, in the gateway) took only the first refusal.
  const underWay = log.flush();
  log.note(refusal(MINUTE + 2_000, 'req_2'));
  await log.flush();
  const [rec] = await store.refusals.list({ limit: 10 });
  assert.equal(rec?.count, 2, 'the second refusal was written by the flush that came after it');
  await underWay;
});
