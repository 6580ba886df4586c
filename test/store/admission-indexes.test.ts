/**
 * The admissions table holds every budgeted call in flight (the journal, state null) beside a handful of other
 * processes' budget claims. The gateway reads the claims every 50 ms and the journal's owners every two seconds:
 * both reads must go through their partial indexes, not scan the calls in flight (migration 0015), and the owners'
 * loose index scan must return exactly the owners of journal entries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/index.js';
import type { AdmissionRecord } from '../../src/store/repos/admissions.js';
import { storeUrlFor, testDialects, withPostgres } from '../support/databases.js';

const T0 = 1_765_000_000_000;

function entry(i: number, owner: string | null): AdmissionRecord {
  return { id: `req_${String(i).padStart(6, '0')}`, ts: T0 + i, expires_at: T0 + 600_000, team: 'lab', key_id: 'key_1', race: 'r', contender: 'c', upstream_model: 'm', reserved_nanos: 1000, currency: 'CNY', owner, state: null, source: null, settled_nanos: null };
}

async function seed(store: Store, n: number): Promise<void> {
  const owners = ['gw-b', 'gw-a', null, 'gw-c'];
  const list = Array.from({ length: n }, (_, i) => entry(i, owners[i % owners.length]!));
  for (let i = 0; i < list.length; i += 1000) await store.admissions.openMany(list.slice(i, i + 1000));
  for (const [k, ts] of [[2, T0 + 5], [1, T0 + 1], [3, T0 + 9]] as const) {
    await store.claims.insert({ id: `claim_${k}`, ts, expiresAt: T0 + 60_000, owner: 'cli-x', state: 'pending', source: 'eval', team: 'lab', keyId: null, race: null, contender: 'c', reservedNanos: 5, currency: 'CNY' });
  }
}

for (const dialect of testDialects()) {
  test(`admissions (${dialect}): claims and journal owners read through partial indexes, with the same answers`, async (t) => {
    const url = await storeUrlFor(dialect, t);
    const store = await openStore(url);
    t.after(() => store.close());
    await seed(store, 20_000);

    assert.deepEqual((await store.claims.all()).map((c) => c.id), ['claim_1', 'claim_2', 'claim_3'], 'claims only, oldest first');
    // Journal owners only: not the claim's maker, not the entries written before owners were recorded (null).
    assert.deepEqual((await store.admissions.owners()).sort(), ['gw-a', 'gw-b', 'gw-c']);

    if (dialect === 'sqlite') {
      const raw = new Database(url.slice('sqlite:'.length), { readonly: true });
      t.after(() => raw.close());
      const plan = (q: string) => (raw.prepare(`explain query plan ${q}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      assert.match(plan('select * from admissions where state is not null order by ts'), /USING INDEX admissions_claims/);
      assert.match(plan("select min(owner) from admissions where state is null and owner > 'gw-a'"), /USING (COVERING )?INDEX admissions_journal_owner/);
    } else {
      const schema = new URL(url).searchParams.get('schema')!;
      await withPostgres(async (c) => {
        await c.query(`set search_path to ${schema}`);
        await c.query('analyze admissions');
        const plan = async (q: string) => JSON.stringify((await c.query(`explain (format json) ${q}`)).rows);
        assert.match(await plan('select * from admissions where state is not null order by ts'), /admissions_claims/);
        assert.match(await plan("select min(owner) from admissions where state is null and owner > 'gw-a'"), /admissions_journal_owner/);
      });
    }
  });
}
