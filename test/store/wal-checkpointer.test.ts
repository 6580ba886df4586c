/**
 * The gateway's store checkpoints its WAL from a worker thread: commits never run a checkpoint themselves, and the
 * WAL still starts over once checkpointed instead of growing with every row ever written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/index.js';
import { waitFor } from '../support/wait-for.js';
import { requestRow } from './rows.js';

const walSize = (file: string): number => statSync(`${file}-wal`).size;

async function writeRound(store: Store, round: number, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => store.requestLog.append(requestRow({ id: `r${round}-${i}` }))));
}

test('a background-checkpointed store keeps its WAL bounded without checkpointing inside commits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log.db');
  const store = await openStore(`sqlite:${file}`, { backgroundCheckpoint: { intervalMs: 20 } });
  const raw = store.handle.raw as BetterSqlite3.Database;
  assert.ok(store.checkpointer, 'a file-backed store with backgroundCheckpoint starts a checkpointer');
  assert.equal(raw.pragma('wal_autocheckpoint', { simple: true }), 0, 'commits on the main connection never checkpoint');

  const sizes: number[] = [];
  for (let round = 0; round < 4; round++) {
    // One commit per row, as a lone client's requests are committed.
    for (let i = 0; i < 300; i++) await store.requestLog.append(requestRow({ id: `r${round}-${i}` }));
    sizes.push(walSize(file));
    const before = store.checkpointer.checkpoints;
    await waitFor('a checkpoint', () => store.checkpointer!.checkpoints > before + 1);
  }
  // Without checkpoints the WAL would hold all 1,200 commits; with them it restarts and holds about one round.
  assert.ok(sizes[3]! < sizes[0]! * 1.5, `WAL sizes per round ${sizes.join(', ')} should not keep growing`);
  await store.close();

  const check = new BetterSqlite3(file, { readonly: true });
  assert.equal((check.prepare('select count(*) as n from requests').get() as { n: number }).n, 1200);
  check.close();
});

test('stores opened without backgroundCheckpoint (CLI commands) and in-memory stores keep SQLite defaults', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = await openStore(`sqlite:${join(dir, 'plain.db')}`);
  assert.equal(plain.checkpointer, null);
  assert.equal((plain.handle.raw as BetterSqlite3.Database).pragma('wal_autocheckpoint', { simple: true }), 1000);
  await writeRound(plain, 0, 50);
  await plain.close();
  const memory = await openStore('sqlite::memory:', { backgroundCheckpoint: true });
  assert.equal(memory.checkpointer, null);
  await memory.close();
});
