/**
 * The request log's spool on every real database: rows the store refuses are kept on disk and replayed exactly
 * once, including after a replay that died half-way (its rows partly written, its file set aside).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openStore, RequestSpool } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

async function count(store: Awaited<ReturnType<typeof openStore>>): Promise<number> {
  return Number((await sql<{ n: number }>`select count(*) as n from requests`.execute(store.db)).rows[0]!.n);
}

for (const dialect of testDialects()) {
  test(`a replay that died half-way is finished at the next open, each row exactly once (${dialect})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saima-spool-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'spool.jsonl');
    const url = await storeUrlFor(dialect, t);
    const rows = Array.from({ length: 5 }, (_, i) => requestRow({ id: `spooled-${i}` }));
    // The state a crash mid-replay leaves: the file set aside, its first two rows already in the store.
    const spool = new RequestSpool(path);
    spool.append(rows);
    spool.close();
    renameSync(path, `${path}.replaying`);
    const before = await openStore(url);
    await before.requestLog.append(rows[0]!);
    await before.requestLog.append(rows[1]!);
    await before.close();

    const store = await openStore(url, { spool: { path } });
    t.after(() => store.close());
    for (let i = 0; i < 100 && store.requestLog.spoolPending; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.requestLog.spoolPending, false);
    assert.equal(existsSync(`${path}.replaying`), false);
    assert.equal(await count(store), 5);
    assert.deepEqual((await store.requests.getRequest('spooled-4'))?.costNanos, rows[4]!.costNanos);
  });

  test(`a batch refused for one duplicate id is spooled and its other rows still land, once (${dialect})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saima-spool-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const store = await openStore(await storeUrlFor(dialect, t), { spool: { path: join(dir, 'spool.jsonl') } });
    t.after(() => store.close());
    await store.requestLog.append(requestRow({ id: 'dup' }));
    const results = await Promise.allSettled(['ok-1', 'dup', 'ok-2'].map((id) => store.requestLog.append(requestRow({ id }))));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled']);
    assert.equal(store.health.up, true, 'a refused row is no outage');
    for (let i = 0; i < 100 && store.requestLog.spoolPending; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await count(store), 3);
  });
}

for (const dialect of testDialects()) {
  test(`a spooled row the store refuses on replay is quarantined once and the rows after it land, once (${dialect})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'saima-spool-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'spool.jsonl');
    // Left by an earlier process: the second row lacks its status (a line damaged, or written by another version).
    const spool = new RequestSpool(path);
    spool.append([requestRow({ id: 'q-0' }), { ...requestRow({ id: 'q-bad' }), status: null as unknown as number }, requestRow({ id: 'q-2' })]);
    spool.close();
    const url = await storeUrlFor(dialect, t);
    const kept: string[] = [];
    const open = () => openStore(url, { spool: { path }, onSpoolQuarantine: (row) => kept.push(row.id) });
    const store = await open();
    for (let i = 0; i < 100 && store.requestLog.spoolPending; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.requestLog.spoolPending, false, 'the replay is not blocked');
    assert.equal(await count(store), 2);
    assert.equal(store.requestLog.spoolQuarantined, 1);
    assert.deepEqual(kept, ['q-bad'], 'reported once');
    assert.equal(store.health.up, true);
    const lines = readFileSync(`${path}.quarantine`, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0]!) as { row: { id: string } }).row.id, 'q-bad');
    await store.close();
    // A later process reads the quarantine count back, and a copy of the same row spooled again is not kept twice.
    const again = new RequestSpool(path);
    again.append([{ ...requestRow({ id: 'q-bad' }), status: null as unknown as number }]);
    again.close();
    const next = await open();
    t.after(() => next.close());
    for (let i = 0; i < 100 && next.requestLog.spoolPending; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(next.requestLog.spoolQuarantined, 1);
    assert.deepEqual(kept, ['q-bad']);
    assert.equal(readFileSync(`${path}.quarantine`, 'utf8').trim().split('\n').length, 1);
  });
}

test(`a full spool refuses the row, and says so`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spool = new RequestSpool(join(dir, 'spool.jsonl'), { maxBytes: 2_000 });
  spool.append([requestRow()]);
  assert.throws(() => spool.append([requestRow(), requestRow(), requestRow()]), /request spool is full/);
  spool.close();
});
