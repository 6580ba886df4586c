/**
 * A budgeted gateway's arbiter reads the budget claims every 50 ms, idle or not. On SQLite it skips the read when the
 * claims cannot have changed since the last one it applied: no other connection (a CLI claimant's process) has
 * committed, and no claim was written through the store in this process (a claimant here shares the gateway's
 * connection, whose own commits SQLite's data_version does not count). Whatever else the gateway commits on its own
 * connection (journal entries, request-log rows) must not force a read; any claim written from anywhere must. On
 * PostgreSQL it cannot tell, so it always reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import type { Claim } from '../../src/store/repos/budget-claims.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const T0 = 1_765_000_000_000;

function claim(id: string): Omit<Claim, 'settledNanos'> {
  return { id, ts: T0, expiresAt: T0 + 60_000, owner: 'cli-x', state: 'pending', source: 'eval', team: 'lab', keyId: null, race: null, contender: 'c', reservedNanos: 5, currency: 'CNY' };
}

for (const dialect of testDialects()) {
  test(`budget claims (${dialect}): whether they can have changed since the last read`, async (t) => {
    const url = await storeUrlFor(dialect, t);
    const store = await openStore(url);
    t.after(() => store.close());

    assert.equal(store.claims.unchangedSinceRead(), false, 'nothing read yet: cannot tell');
    assert.deepEqual(await store.claims.all(), []);
    const handle = store.handle;
    if (handle.dialect === 'postgres') {
      assert.equal(store.claims.unchangedSinceRead(), false, 'PostgreSQL cannot tell: the arbiter reads every time');
      return;
    }
    assert.equal(store.claims.unchangedSinceRead(), true, 'just read, nothing written since');

    // The gateway's own commits on its connection that are not claims: journal entries, their removal.
    await store.admissions.openMany([{ id: 'req_1', ts: T0, expires_at: T0 + 60_000, team: 'lab', key_id: 'k', race: 'r', contender: 'c', upstream_model: 'm', reserved_nanos: 1, currency: 'CNY', owner: 'gw', state: null, source: null, settled_nanos: null }]);
    await store.admissions.close(['req_1']);
    assert.equal(store.claims.unchangedSinceRead(), true, "the gateway's own commits of other rows do not force a read");

    // A claimant in another process: its own connection to the same file.
    const other = new Database(handle.file!);
    t.after(() => other.close());
    other.prepare("insert into admissions (id, ts, expires_at, contender, reserved_nanos, currency, owner, state, source) values ('claim_other', ?, ?, 'c', 5, 'CNY', 'cli-y', 'pending', 'eval')").run(T0, T0 + 60_000);
    assert.equal(store.claims.unchangedSinceRead(), false, "another process's claim forces a read");
    assert.deepEqual((await store.claims.all()).map((c) => c.id), ['claim_other']);
    assert.equal(store.claims.unchangedSinceRead(), true);

    // A commit by another connection that touches no claim still forces a read: data_version cannot say which table.
    other.prepare("insert into gateway_heartbeats (id, seen_at) values ('gw-z', ?)").run(T0);
    assert.equal(store.claims.unchangedSinceRead(), false);
    await store.claims.all();

    // Every claim write through this process's store, on the shared connection.
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['insert', () => store.claims.insert(claim('claim_here'))],
      ['decide', () => store.claims.decide('claim_here', 'granted')],
      ['settle', () => store.claims.settle('claim_here', 3)],
      ['remove', () => store.claims.remove(['claim_here'])],
      ['claimAlone', () => store.claims.claimAlone(claim('claim_alone'), 3000, async () => false)],
    ];
    for (const [name, write] of writes) {
      await store.claims.all();
      assert.equal(store.claims.unchangedSinceRead(), true);
      await write();
      assert.equal(store.claims.unchangedSinceRead(), false, `${name} in this process forces a read`);
    }
    assert.deepEqual((await store.claims.all()).map((c) => c.id), ['claim_other'], 'the claims written here are gone again');
  });
}
