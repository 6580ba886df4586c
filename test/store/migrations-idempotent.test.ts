/** Opening a store twice runs migrations once and keeps the data: the second open finds nothing to apply. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

for (const dialect of testDialects()) {
  test(`migrations are idempotent and keep data across reopen (${dialect})`, async (t) => {
    const url = await storeUrlFor(dialect, t);
    const first = await openStore(url);
    await first.requestLog.append(requestRow({ id: 'kept' }));
    await first.close();

    const second = await openStore(url);
    t.after(() => second.close());
    assert.equal(second.dialect, dialect);
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(second.db);
    const all = Object.keys(await migrationProvider.getMigrations()).sort();
    assert.ok(all.length >= 1 && all[0] === '0001-initial');
    assert.deepEqual(applied.rows.map((r) => r.name), all, 'each migration applied exactly once');
    assert.equal((await second.requests.getRequest('kept'))?.id, 'kept');
    for (const table of ['requests', 'feedback', 'api_keys', 'race_state', 'decisions'] as const) {
      const n = await second.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      assert.equal(typeof n.n === 'string' ? Number(n.n) : n.n, table === 'requests' ? 1 : 0, table);
    }
  });
}
