/**
 * The battles repo's bulk import on every database: a stream of batches is one transaction (a stream that fails
 * half-way leaves nothing) and a set (ids already stored, or repeated in the stream, are counted as present and
 * not written again, tags included).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { openDatabase } from '../../src/store/db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { LEAN_FIELDS, openStore, type BattleBatch, type BattleRecord, type BattleSource, type LeanBattles } from '../../src/store/index.js';
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
  assert.deepEqual(before.filter((i) => i.sql !== null).map((i) => i.name), ['battles_pair_outcome', 'battles_race_ts_pair', 'battles_ts']);
  // The indexes are dropped once 10,000 battles went in; the stream fails after that, and all comes back.
  await assert.rejects(store.battles.importAll(batches(0, 15_000, 2000, 12_000), { expected: 1_000_000 }), /line 1234/);
  assert.deepEqual(indexes(), before);
  assert.equal((await store.battles.pairCounts()).length, 0);
  assert.deepEqual(await store.battles.importAll(batches(0, 15_000, 2000), { expected: 1_000_000 }), { inserted: 15_000, present: 0 });
  assert.deepEqual(indexes(), before);
  const plan = raw.prepare("EXPLAIN QUERY PLAN SELECT contender_a, contender_b, winner, count(*) FROM battles GROUP BY contender_a, contender_b, winner").all() as Array<{ detail: string }>;
  assert.ok(plan.some((p) => /COVERING INDEX battles_pair_outcome/.test(p.detail)), JSON.stringify(plan));
  assert.deepEqual(await store.battles.importAll(batches(0, 15_000, 2000), { expected: 1_000_000 }), { inserted: 0, present: 15_000 });
  assert.equal((await store.battles.list({ tag: 'coding', limit: 10_000 })).length, 5000);
});

/** Battles `from`..`to` as lean columns (what the import thread hands over); `repeat` lists indexes given twice. */
function lean(from: number, to: number, race: string | null, repeat: number[] = [], source: BattleSource = 'human'): LeanBattles {
  const fields: string[] = [];
  for (const i of [...Array.from({ length: to - from }, (_, k) => from + k), ...repeat]) {
    fields.push(`battle_lean_${i}`, String(T0 + i), `h${i % 7}`, `m${i % 5}`, `m${(i % 5) + 1}`, i % 3 ? 'a' : 'tie', `v${i % 11}`, i % 2 ? 'en' : '');
  }
  return { race, source, count: fields.length / LEAN_FIELDS, fields };
}

for (const dialect of testDialects()) {
  test(`battles: lean battles as columns import as records do, many rows a statement (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    async function* stream(parts: BattleBatch[], failAfter = Infinity): AsyncGenerator<BattleBatch> {
      let n = 0;
      for (const p of parts) {
        if (n++ >= failAfter) throw new Error('line 77: bad battle');
        yield p;
      }
    }
    await assert.rejects(store.battles.importAll(stream([lean(0, 100, 'r'), lean(100, 200, 'r')], 1)), /line 77/);
    assert.equal((await store.battles.list({ limit: 10_000 })).length, 0, 'a failed stream leaves nothing');
    // 101 battles (not a multiple of a statement's rows) with one id twice in the same statement, then records.
    assert.deepEqual(await store.battles.importAll(stream([lean(0, 100, 'r', [5]), [battle(1)], lean(100, 133, null)])), { inserted: 134, present: 1 });
    assert.deepEqual(await store.battles.importAll(stream([lean(90, 140, 'r')])), { inserted: 7, present: 43 }, 'only 133..139 are new');
    const b = await store.battles.get('battle_lean_3');
    assert.deepEqual(b, {
      id: 'battle_lean_3', ts: T0 + 3, race: 'r', promptHash: 'h3', prompt: null, contenderA: 'm3', contenderB: 'm4', answerA: null, answerB: null,
      winner: 'tie', error: null, source: 'human', voter: 'v3', team: null, tags: [], language: 'en', styleA: null, styleB: null, details: null,
    });
    assert.equal((await store.battles.get('battle_lean_4'))!.language, null, "'' is no language");
    assert.equal((await store.battles.get('battle_lean_120'))!.race, null);
    assert.equal((await store.battles.list({ race: 'r', limit: 10_000 })).length, 107);
    // A run's source is every one of its battles' (bound once a statement on SQLite).
    assert.deepEqual(await store.battles.importAll(stream([lean(200, 240, 'r', [], 'judge')])), { inserted: 40, present: 0 });
    assert.deepEqual(new Set((await store.battles.list({ limit: 10_000 })).filter((x) => Number(x.id.slice(12)) >= 200).map((x) => x.source)), new Set(['judge']));
    assert.equal((await store.battles.list({ sources: ['judge'], limit: 10_000 })).length, 40);
  });
}

test('battles: the leaderboard, race and monitor queries read the three indexes (sqlite)', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t));
  t.after(() => store.close());
  const raw = store.handle.dialect === 'sqlite' ? store.handle.raw : null;
  assert.ok(raw);
  const plan = (sql: string) => (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((p) => p.detail).join('; ');
  const counts = 'SELECT contender_a, contender_b, winner, count(*) FROM battles WHERE winner IS NOT NULL';
  const group = 'GROUP BY contender_a, contender_b, winner';
  assert.match(plan(`${counts} ${group}`), /COVERING INDEX battles_pair_outcome/);
  assert.match(plan(`${counts} AND language = 'zh' ${group}`), /COVERING INDEX battles_pair_outcome/);
  assert.match(plan(`${counts} AND language = 'zh' AND contender_a IN ('a', 'b') AND contender_b IN ('a', 'b') ${group}`), /COVERING INDEX battles_pair_outcome/);
  assert.match(plan("SELECT DISTINCT contender_a FROM battles WHERE race = 'r'"), /COVERING INDEX battles_race_ts_pair/);
  assert.match(plan("SELECT * FROM battles WHERE race = 'r' AND ts >= 5 ORDER BY ts DESC, id DESC LIMIT 100"), /INDEX battles_race_ts_pair/);
  assert.match(plan('SELECT * FROM battles ORDER BY ts DESC, id DESC LIMIT 100'), /INDEX battles_ts/);
});

for (const dialect of testDialects()) {
  test(`battles: migration 0012 swaps five indexes for three and keeps every battle (${dialect})`, async (t) => {
    const handle = await openDatabase(await storeUrlFor(dialect, t));
    t.after(() => handle.close());
    const schema = handle.dialect === 'postgres' ? handle.schema : null;
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
    assert.equal((await migrator.migrateTo('0011-eval-grades')).error, undefined);
    const row = (i: number) => ({ id: `b${i}`, ts: T0 + i, race: 'r', prompt_hash: 'h', contender_a: 'x', contender_b: 'y', winner: i % 2 ? 'a' : 'b', source: 'human', voter: 'v', tags: '[]', language: 'zh' });
    await handle.db.insertInto('battles').values(Array.from({ length: 10 }, (_, i) => row(i))).execute();
    const names = async () =>
      handle.dialect === 'sqlite'
        ? (handle.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'battles' AND sql IS NOT NULL ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name)
        : (await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'battles' and schemaname = ${schema} and indexname <> 'battles_pkey' order by indexname`.execute(handle.db)).rows.map((r) => r.indexname);
    assert.deepEqual(await names(), ['battles_language_outcome', 'battles_outcome', 'battles_race_pair', 'battles_race_ts', 'battles_ts']);
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    assert.deepEqual(await names(), ['battles_pair_outcome', 'battles_race_ts_pair', 'battles_ts']);
    const n = await handle.db.selectFrom('battles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 10);
  });
}
