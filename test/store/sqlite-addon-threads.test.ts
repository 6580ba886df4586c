/**
 * better-sqlite3's native addon is registered once per thread that uses it: the gateway's main thread and its
 * SQLite thread (the monitor's evidence reader, which runs the WAL checkpoints too; the checkpointer's own thread
 * when there is no reader). The gateway loads it on the main thread
 * before it starts any thread, and the addon survives being registered on several threads at once; each is checked
 * in a fresh process, where no earlier test has loaded the addon yet and an abort fails the test, not the run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { storeUrlFor } from '../support/databases.js';

const GATEWAY = fileURLToPath(new URL('./addon-order-gateway.ts', import.meta.url));

test('the gateway loads the SQLite addon on its main thread before it starts any thread', async (t) => {
  const url = await storeUrlFor('sqlite', t);
  const r = spawnSync(process.execPath, ['--import', 'tsx', GATEWAY, url.slice('sqlite:'.length)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const { atStart, starts } = JSON.parse(r.stdout) as { atStart: boolean; starts: boolean[] };
  assert.equal(atStart, false, 'the addon is not loaded before the gateway opens its store');
  assert.ok(starts.length >= 1, `the evidence reader started (${starts.length} threads)`);
  assert.deepEqual(starts, starts.map(() => true), 'every thread started after the main thread had loaded the addon');
});

// Waves of threads that each load the addon and run a query, the first wave while the main thread loads it for the
// first time; some threads are terminated while they load. Every thread's environment registers the module anew.
const CHURN = `
const { Worker } = require('node:worker_threads');
const driver = process.argv[1];
const body = 'const D = require(' + JSON.stringify(driver) + '); const db = new D(":memory:");'
  + ' db.prepare("select 1").get(); db.close(); require("node:worker_threads").parentPort.postMessage("ok");';
const use = () => { const D = require(driver); const db = new D(':memory:'); db.prepare('select 1').get(); db.close(); };
let ok = 0, failed = 0;
(async () => {
  for (let wave = 0; wave < 12; wave++) {
    const threads = Array.from({ length: 4 }, () => new Worker(body, { eval: true }));
    if (wave === 0) use();
    if (wave % 3 === 2) setTimeout(() => threads[0].terminate(), wave);
    await Promise.all(threads.map((w, i) => new Promise((done) => {
      w.on('message', () => ok++);
      w.on('error', () => failed++);
      w.on('exit', (code) => { if (code !== 0 && !(wave % 3 === 2 && i === 0)) failed++; done(); });
    })));
  }
  console.log(JSON.stringify({ ok, failed }));
})();
`;

test('better-sqlite3 registers on the main thread and on several threads at once without aborting', () => {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const r = spawnSync(process.execPath, ['-e', CHURN, driver], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the process was killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const { ok, failed } = JSON.parse(r.stdout) as { ok: number; failed: number };
  assert.equal(failed, 0);
  // 48 threads, up to 4 of them terminated before they answered.
  assert.ok(ok >= 44, `${ok} threads answered`);
});
