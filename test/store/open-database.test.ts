/**
 * Database URLs: SQLite creates parent directories and runs in WAL with synchronous=NORMAL; `sqlite::memory:`
 * works; PostgreSQL's `?schema=` isolates a store and bigint columns come back as numbers; unknown URLs fail.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, openStore } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

test('sqlite: creates parent dirs, WAL, synchronous=NORMAL, busy timeout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-open-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = await openDatabase(`sqlite:${join(dir, 'a', 'b', 'saima.db')}`);
  t.after(() => h.close());
  assert.ok(h.dialect === 'sqlite');
  assert.ok(statSync(join(dir, 'a', 'b', 'saima.db')).isFile());
  assert.equal(h.raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(h.raw.pragma('synchronous', { simple: true }), 1); // 1 = NORMAL
  assert.equal(h.raw.pragma('busy_timeout', { simple: true }), 5000);
});

test('sqlite::memory: is a throwaway store', async (t) => {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  await store.requestLog.append(requestRow({ id: 'm1' }));
  assert.equal((await store.requests.getRequest('m1'))?.id, 'm1');
});

test('unsupported URLs are refused with the accepted forms', async () => {
  await assert.rejects(openDatabase('mysql://localhost/x'), /sqlite:PATH or postgres:\/\//);
  await assert.rejects(openDatabase('sqlite:'), /needs a path/);
  await assert.rejects(openDatabase('postgres://postgres@127.0.0.1:5432/test?schema=bad;name'), /invalid schema name/);
});

if (testDialects().includes('postgres')) {
  test('postgres: ?schema= isolates stores, int8 parses to number', async (t) => {
    const [urlA, urlB] = [await storeUrlFor('postgres', t), await storeUrlFor('postgres', t)];
    const a = await openStore(urlA!);
    const b = await openStore(urlB!);
    t.after(() => Promise.all([a.close(), b.close()]));
    await a.requestLog.append(requestRow({ id: 'only-in-a', costNanos: 2 ** 40 }));
    assert.equal(await b.requests.getRequest('only-in-a'), null);
    assert.equal((await a.requests.getRequest('only-in-a'))?.costNanos, 2 ** 40);
    const r = await sql<{ n: unknown; big: unknown }>`select count(*) as n, 9007199254740991::int8 as big`.execute(a.db);
    assert.deepEqual(r.rows[0], { n: 1, big: Number.MAX_SAFE_INTEGER });
  });
}
