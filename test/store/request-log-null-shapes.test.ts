/**
 * The SQLite request log binds only a row's non-NULL values, by a statement per shape of NULL columns. Whatever the
 * shape, a row reads back exactly as written; a NULL where the table forbids one is still refused; and a column whose
 * default is not NULL gets the row's NULL, not its default.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { openStore } from '../../src/store/index.js';
import { sqliteSink } from '../../src/store/request-log-sinks.js';
import { REQUEST_COLUMNS } from '../../src/store/request-row.js';
import { storeUrlFor } from '../support/databases.js';
import { requestRow } from './rows.js';

/** Fields a row may leave NULL, with a value to put there otherwise. */
const NULLABLE = {
  race: 'coder',
  contender: 'chal',
  upstreamModel: 'm-1',
  team: 'ads',
  keyId: 'key_9',
  userHash: 'u_1',
  parentId: 'r0',
  errorCode: 'upstream_error',
  errorMessage: 'cut',
  ttftMs: 5.5,
  finishReason: 'length',
  promptText: 'héllo',
  responseText: 'wörld',
  fallbackFrom: 'champ',
  outputCap: 256,
  promptEstimate: 40,
  source: 'eval',
} as const;

test('rows of every shape of NULL columns read back as written (SQLite), many shapes in one batch', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t));
  t.after(() => store.close());
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.subarray(Object.keys(NULLABLE) as Array<keyof typeof NULLABLE>), { minLength: 1, maxLength: 20 }), async (shapes) => {
      const rows = shapes.map((nulls) => {
        const row = requestRow({ id: `s${n++}`, ...NULLABLE });
        for (const k of nulls) (row as unknown as Record<string, unknown>)[k] = null;
        return row;
      });
      await Promise.all(rows.map((r) => store.requestLog.append(r)));
      for (const r of rows) assert.deepEqual(await store.requests.getRequest(r.id), r);
    }),
    { numRuns: 60 },
  );
});

test('a NULL in a NOT NULL column is refused, and a nullable column with a default stores the NULL given', () => {
  const db = new BetterSqlite3(':memory:');
  // The table's other columns as the log writes them; `source` here has a default, `outcome` forbids NULL.
  const cols: string[] = REQUEST_COLUMNS;
  db.exec(`create table requests (${cols.map((c) => (c === 'id' ? 'id text primary key' : c === 'outcome' ? 'outcome text not null' : c === 'source' ? "source text default 'gateway'" : `${c}`)).join(', ')})`);
  const sink = sqliteSink(db);
  sink.write([requestRow({ id: 'a', source: null, team: null })]);
  assert.deepEqual(db.prepare('select source, team from requests where id = ?').get('a'), { source: null, team: null });
  assert.throws(() => sink.write([requestRow({ id: 'b', outcome: null as never })]), /NOT NULL/);
  assert.equal((db.prepare('select count(*) as n from requests').get() as { n: number }).n, 1);
});
