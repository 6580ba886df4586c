/**
 * 200 concurrent appends share a few transactions, and each append resolves only once its row is visible to
 * another connection (committed, not merely queued).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/index.js';
import { storeUrlFor, testDialects, withPostgres } from '../support/databases.js';
import { requestRow } from './rows.js';

/** Counts rows with the given ids from a separate connection. */
async function countFromOutside(store: Store, ids: string[]): Promise<number> {
  const h = store.handle;
  if (h.dialect === 'sqlite') {
    const other = new Database(h.file!, { readonly: true });
    try {
      const stmt = other.prepare('select count(*) as n from requests where id = ?');
      return ids.reduce((n, id) => n + (stmt.get(id) as { n: number }).n, 0);
    } finally {
      other.close();
    }
  }
  return withPostgres(async (c) => {
    const res = await c.query(`select count(*)::int as n from ${h.schema}.requests where id = any($1)`, [ids]);
    return (res.rows[0] as { n: number }).n;
  });
}

for (const dialect of testDialects()) {
  test(`200 concurrent appends commit in fewer transactions than rows (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    const rows = Array.from({ length: 200 }, (_, i) => requestRow({ id: `gc-${i}`, ts: 1_700_000_000_000 + i }));
    await Promise.all(rows.map((r) => store.requestLog.append(r)));
    assert.equal(store.requestLog.rowsWritten, 200);
    assert.ok(store.requestLog.batches >= 1 && store.requestLog.batches < 200, `${store.requestLog.batches} transactions for 200 rows`);
    assert.equal(await countFromOutside(store, rows.map((r) => r.id)), 200);
    const listed = await store.requests.listRequests({ limit: 1000 });
    assert.equal(listed.length, 200);
    assert.deepEqual(await store.requests.getRequest('gc-7'), rows[7]);
  });

  test(`an append resolves only after its row is visible to another connection (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t), { requestLog: { windowMs: 5 } });
    t.after(() => store.close());
    const ids = ['vis-a', 'vis-b', 'vis-c'];
    const seenAtResolve = await Promise.all(ids.map((id) => store.requestLog.append(requestRow({ id })).then(() => countFromOutside(store, [id]))));
    assert.deepEqual(seenAtResolve, [1, 1, 1]);
    assert.equal(store.requestLog.batches, 1, 'rows appended within the window share one transaction');
  });
}
