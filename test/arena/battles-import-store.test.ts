/**
 * The battles repo's bulk import on every database: a stream of batches is one transaction (a stream that fails
 * half-way leaves nothing) and a set (ids already stored, or repeated in the stream, are counted as present and
 * not written again, tags included).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore, type BattleRecord } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const T0 = 1_700_000_000_000;
const battle = (i: number): BattleRecord => ({
  id: `battle_imp_${i}`, ts: T0 + i, race: 'assistant', promptHash: 'h', prompt: null, contenderA: '通义千问', contenderB: 'deepseek-chat',
  answerA: null, answerB: null, winner: i % 2 ? 'a' : 'b', error: null, source: 'human', voter: 'v', team: null, tags: i % 3 ? [] : ['coding'],
  language: 'zh', styleA: null, styleB: null, details: null,
});

async function* batches(from: number, to: number, size: number, failAt?: number): AsyncGenerator<BattleRecord[]> {
  for (let i = from; i < to; i += size) {
    if (failAt !== undefined && i >= failAt) throw new Error('line 1234: bad battle');
    yield Array.from({ length: Math.min(size, to - i) }, (_, k) => battle(i + k));
  }
}

for (const dialect of testDialects()) {
  test(`battles: importAll is one transaction and a set (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    await assert.rejects(store.battles.importAll(batches(0, 3000, 700, 2100)), /line 1234/);
    assert.equal((await store.battles.pairCounts()).length, 0, 'a failed stream leaves nothing');

    assert.deepEqual(await store.battles.importAll(batches(0, 3000, 700)), { inserted: 3000, present: 0 });
    assert.deepEqual(await store.battles.importAll(batches(2500, 3500, 400)), { inserted: 500, present: 500 });
    async function* repeated(): AsyncGenerator<BattleRecord[]> {
      yield [battle(9000), battle(9000)];
    }
    assert.deepEqual(await store.battles.importAll(repeated()), { inserted: 1, present: 1 });
    const total = (await store.battles.pairCounts()).reduce((s, r) => s + r.n, 0);
    assert.equal(total, 3501);
    assert.equal((await store.battles.list({ tag: 'coding', limit: 10_000 })).length, 1168, 'tags of present battles are not written twice');
  });
}

test('battles: a large import into a small table rebuilds the indexes, and a failed one leaves them as they were (sqlite)', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t));
  t.after(() => store.close());
  const raw = store.handle.dialect === 'sqlite' ? store.handle.raw : null;
  assert.ok(raw);
  const indexes = () => (raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'battles' ORDER BY name").all() as Array<{ name: string; sql: string | null }>);
  const before = indexes();
  assert.ok(before.filter((i) => i.sql !== null).length >= 5);
  // The indexes are dropped once 10,000 battles went in; the stream fails after that, and all comes back.
  await assert.rejects(store.battles.importAll(batches(0, 15_000, 2000, 12_000), { expected: 1_000_000 }), /line 1234/);
  assert.deepEqual(indexes(), before);
  assert.equal((await store.battles.pairCounts()).length, 0);
  assert.deepEqual(await store.battles.importAll(batches(0, 15_000, 2000), { expected: 1_000_000 }), { inserted: 15_000, present: 0 });
  assert.deepEqual(indexes(), before);
  const plan = raw.prepare("EXPLAIN QUERY PLAN SELECT contender_a, contender_b, winner, count(*) FROM battles GROUP BY contender_a, contender_b, winner").all() as Array<{ detail: string }>;
  assert.ok(plan.some((p) => /COVERING INDEX battles_outcome/.test(p.detail)), JSON.stringify(plan));
  assert.deepEqual(await store.battles.importAll(batches(0, 15_000, 2000), { expected: 1_000_000 }), { inserted: 0, present: 15_000 });
  assert.equal((await store.battles.list({ tag: 'coding', limit: 10_000 })).length, 5000);
});
