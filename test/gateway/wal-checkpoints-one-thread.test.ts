/**
 * A gateway on a SQLite file with a race runs two jobs off its event loop that each need a SQLite connection: the
 * race monitor's evidence reads and the WAL checkpoints. One worker isolate runs both (the evidence thread takes the
 * checkpoints over from the store's checkpointer), and the checkpoints still keep the WAL bounded; when reads leave
 * the thread for good, or the reader closes, the checkpoints go back to the checkpointer's own thread. A checkpoint
 * that fails on a thread that holds them sends the main connection back to checkpointing for itself.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { buildConfig } from '../../src/config/load.js';
import { EvidenceWorker } from '../../src/race/monitor-evidence-worker.js';
import { startServer } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';
import { requestRow } from '../store/rows.js';
import { storeUrlFor } from '../support/databases.js';
import { mockContender } from '../support/gateway.js';
import { waitFor } from '../support/wait-for.js';

test('a gateway with a race checkpoints its WAL on the monitor evidence thread, and the WAL stays bounded under traffic', async (t) => {
  const url = await storeUrlFor('sqlite', t);
  const file = url.slice('sqlite:'.length);
  const config = buildConfig({
    server: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    store: url,
    store_options: { spool_path: join(dirname(file), 'spool.jsonl') },
    monitor: { interval_ms: 200 },
    contenders: { champ: mockContender('champ-model', { latency_ms: 0 }), chal: mockContender('chal-model', { latency_ms: 0 }) },
    races: { assistant: { champion: 'champ', challengers: [{ contender: 'chal', weight: 20 }], sticky: true, policy: { type: 'canary', min_samples: 100000, min_step_s: 3600 } } },
  }, {});
  // Published inside `new Worker()`: every thread the gateway starts.
  let threads = 0;
  const counted = (): void => void threads++;
  diagnostics.subscribe('worker_threads', counted);
  t.after(() => diagnostics.unsubscribe('worker_threads', counted));
  const gw = await startServer(config);
  t.after(() => gw.close());
  const checkpointer = gw.store.checkpointer!;
  assert.equal(checkpointer.runsOn, 'handed over', 'the evidence thread took the checkpoints at start');
  const call = async (i: number) => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'assistant', user: `u${i % 40}`, messages: [{ role: 'user', content: `hello ${i}` }] }) });
    assert.equal(res.status, 200, await res.text());
  };
  const sizes: number[] = [];
  for (let round = 0; round < 4; round++) {
    // One at a time: each row its own commit, the WAL's worst case.
    for (let i = 0; i < 150; i++) await call(round * 1000 + i);
    sizes.push(statSync(`${file}-wal`).size);
    const before = checkpointer.checkpoints;
    await waitFor('two checkpoints by the evidence thread', () => checkpointer.checkpoints > before + 1, 15_000);
  }
  assert.equal(checkpointer.runsOn, 'handed over');
  assert.equal(threads, 1, 'one worker thread for the evidence reads and the checkpoints');
  assert.equal((gw.store.handle.raw as BetterSqlite3.Database).pragma('wal_autocheckpoint', { simple: true }), 0, 'commits still never checkpoint');
  // Without checkpoints the WAL would hold every commit; with them it starts over and holds about a round's.
  assert.ok(sizes[3]! < sizes[0]! * 1.5, `WAL sizes per round ${sizes.join(', ')} should not keep growing`);
  const status = gw.ctx.monitorStatus?.('assistant') as { ok?: boolean } | null | undefined;
  assert.equal(status?.ok, true, `the monitor still reads: ${JSON.stringify(status)}`);
});

const evidenceConfig = { fx: { CNY: 1, USD: 7 }, contenders: new Map() };

test('the checkpoints go back to the checkpointer\'s own thread when the evidence reads fall back to the calling thread, or the reader closes', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t), { backgroundCheckpoint: { intervalMs: 20 } });
  t.after(() => store.close());
  const checkpointer = store.checkpointer!;
  const append = (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => store.requestLog.append(requestRow({ id: `${tag}-${i}` }))));

  // The first thread dies and the reads fall back at once (no restarts allowed).
  const evidence = new EvidenceWorker({ url: store.url, config: evidenceConfig, fallback: store, checkpoints: checkpointer, maxRestarts: 0 });
  await evidence.warm();
  assert.equal(checkpointer.runsOn, 'handed over');
  await append(50, 'a');
  let before = checkpointer.checkpoints;
  await waitFor('checkpoints on the evidence thread', () => checkpointer.checkpoints > before + 1);
  await evidence.terminateThread();
  assert.equal(evidence.fellBack, true);
  assert.equal(checkpointer.runsOn, 'own thread');
  await append(50, 'b');
  before = checkpointer.checkpoints;
  await waitFor('checkpoints on the checkpointer\'s own thread', () => checkpointer.checkpoints > before + 1);
  await evidence.close();

  // Another reader takes them again; closing it gives them back.
  const next = new EvidenceWorker({ url: store.url, config: evidenceConfig, fallback: store, checkpoints: checkpointer });
  await next.warm();
  assert.equal(checkpointer.runsOn, 'handed over');
  assert.equal(checkpointer.handOver(), null, 'handed over once at a time');
  await next.close();
  assert.equal(checkpointer.runsOn, 'own thread');
  before = checkpointer.checkpoints;
  await waitFor('checkpoints on the own thread again', () => checkpointer.checkpoints > before + 1);
});

test('a checkpoint that fails on the thread holding them sends the main connection back to checkpointing itself; a duty given back is spent', async (t) => {
  const store = await openStore(await storeUrlFor('sqlite', t), { backgroundCheckpoint: { intervalMs: 20 } });
  t.after(() => store.close());
  const checkpointer = store.checkpointer!;
  const raw = store.handle.raw as BetterSqlite3.Database;
  const first = checkpointer.handOver()!;
  first.release();
  first.report(null);
  first.report('stale');
  assert.equal(checkpointer.runsOn, 'own thread', 'a released duty reports nothing');
  const duty = checkpointer.handOver()!;
  const counted = checkpointer.checkpoints;
  duty.report(null);
  assert.equal(checkpointer.checkpoints, counted + 1);
  duty.report('disk I/O error');
  assert.equal(checkpointer.runsOn, 'main connection');
  assert.equal(raw.pragma('wal_autocheckpoint', { simple: true }), 1000);
  assert.equal(checkpointer.handOver(), null);
  duty.release();
  assert.equal(checkpointer.runsOn, 'main connection', 'giving back a failed duty starts no thread');
  await store.close();
  assert.equal(checkpointer.runsOn, 'stopped');
});
