/**
 * Child process for sqlite-addon-threads.test.ts: starts a gateway over the SQLite file at argv[2] with a race, so
 * that it starts its SQLite thread (the monitor's evidence reader, which also runs the WAL checkpoints), and prints,
 * for every thread it starts, whether better-sqlite3's native addon was already loaded on this (the main) thread.
 * A fresh process is needed: within a test process another test may have loaded the addon long before.
 */
import diagnostics from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';

// better-sqlite3 requires its `.node` file at the first `new Database()`; the main thread's module cache holds it
// from then on (a worker's loads go to the worker's own cache).
const cache = createRequire(import.meta.url).cache;
const addonLoaded = (): boolean => Object.keys(cache).some((k) => k.endsWith('.node') && /better[-_]sqlite3/.test(k));

const starts: boolean[] = [];
// Published synchronously inside `new Worker()`, before the thread runs any of its code.
diagnostics.subscribe('worker_threads', () => starts.push(addonLoaded()));

const atStart = addonLoaded();
const mock = (model: string) => ({ provider: 'mock', model, price: { input: 1, output: 2, currency: 'CNY' } });
const config = buildConfig(
  {
    server: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    store: `sqlite:${process.argv[2]}`,
    store_options: { spool_path: `${process.argv[2]}.spool.jsonl` },
    contenders: { champ: mock('champ-1'), chal: mock('chal-1') },
    races: { r: { champion: 'champ', challengers: [{ contender: 'chal', weight: 50 }], policy: { type: 'canary', min_samples: 30, min_step_s: 600 } } },
  },
  {},
);
const gw = await startServer(config, { logger: false });
// The evidence reader starts when the monitor starts; wait for it.
const deadline = Date.now() + 20_000;
while (starts.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
await gw.close();
process.stdout.write(`${JSON.stringify({ atStart, starts })}\n`);
