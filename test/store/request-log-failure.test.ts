/**
 * A failing row is never lost silently: its append rejects with the database error and the logger hears of it,
 * while the other rows of its batch still commit. A systemic failure rejects every row of the batch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

for (const dialect of testDialects()) {
  test(`a duplicate id rejects that row's append and spares its batch (${dialect})`, async (t) => {
    const reported: Array<{ err: unknown; ids: readonly string[] }> = [];
    const store = await openStore(await storeUrlFor(dialect, t), { requestLog: { onError: (err, ids) => reported.push({ err, ids }) } });
    t.after(() => store.close());
    await store.requestLog.append(requestRow({ id: 'dup' }));

    const results = await Promise.allSettled(['ok-1', 'dup', 'ok-2'].map((id) => store.requestLog.append(requestRow({ id }))));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason as Error;
    assert.match(reason.message, /unique|duplicate/i);
    assert.equal(reported.length, 1);
    assert.deepEqual(reported[0]!.ids, ['dup']);
    assert.ok((await store.requests.getRequest('ok-1')) && (await store.requests.getRequest('ok-2')));
  });

  test(`when the table is gone every append of the batch rejects (${dialect})`, async (t) => {
    const reported: Array<readonly string[]> = [];
    const store = await openStore(await storeUrlFor(dialect, t), { requestLog: { onError: (_err, ids) => reported.push(ids) } });
    t.after(() => store.close());
    await store.requestLog.append(requestRow({ id: 'before' }));
    await sql`drop table requests`.execute(store.db);

    const results = await Promise.allSettled(['x', 'y'].map((id) => store.requestLog.append(requestRow({ id }))));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual(reported.flat(), ['x', 'y']);
    await store.requestLog.flush();
    await assert.rejects(store.requestLog.close().then(() => store.requestLog.append(requestRow())), /closed/);
  });
}
