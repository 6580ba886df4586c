/**
 * The request log commits on its own even while another Kysely transaction is open on the same store: rolling
 * that transaction back must not take a logged row with it (on SQLite they share one connection).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

for (const dialect of testDialects()) {
  test(`a row appended during another transaction survives its rollback (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    let appended: Promise<void> | null = null;
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('decisions').values({ id: 'd1', ts: 1, race: 'r', action: 'hold', contender: null, reason: null, details: '{}', actor: null }).execute();
        appended = store.requestLog.append(requestRow({ id: 'beside' }));
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await appended;
    assert.equal((await store.requests.getRequest('beside'))?.id, 'beside');
    assert.deepEqual(await store.decisions.list('r'), [], 'the other transaction did roll back');
  });
}
