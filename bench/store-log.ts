/**
 * Request-log write cost on SQLite (WAL, synchronous=NORMAL), in three parts:
 *  1. the commit group size: rows per transaction 1 / 10 / 100, prepared better-sqlite3 statement vs Kysely;
 *  2. the RequestLogWriter under closed-loop load (C clients, each appending and awaiting its commit), with the
 *     group formed per event-loop turn (windowMs 0) or over a 2 ms window: throughput, CPU and latency per row;
 *  3. the writer on PostgreSQL when `--pg URL` is given.
 * Run: node --import tsx bench/store-log.ts [--seconds 1] [--pg postgres://postgres@127.0.0.1:5432/test]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, sqliteSink, type Store } from '../src/store/index.js';
import { toRequestRecord } from '../src/store/request-row.js';
import type { RequestLogRow } from '../src/store/types.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '1' }, pg: { type: 'string' } } });
const SECONDS = Number(args.seconds);

let seq = 0;
function row(): RequestLogRow {
  seq++;
  return {
    id: `bench-${seq}`, ts: Date.now(), race: 'assistant', contender: seq % 2 ? 'champ' : 'chal', upstreamModel: 'gpt-4o-mini',
    team: 'search', keyId: 'key_1', userHash: 'u_1', parentId: null, shadow: false, stream: true, status: 200, outcome: 'ok',
    errorCode: null, errorMessage: null, attempts: 1, latencyMs: 812.5, ttftMs: 120.25, promptTokens: 42, completionTokens: 128,
    reasoningTokens: 0, cachedTokens: 0, usageEstimated: false, costNanos: 91_000, currency: 'USD', finishReason: 'stop',
    promptText: null, responseText: null,
  };
}

function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** A fresh SQLite store in a temp dir (or the given URL), closed and removed afterwards. */
async function withStore<T>(opts: { url?: string; windowMs?: number }, fn: (store: Store) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-bench-'));
  const store = await openStore(opts.url ?? `sqlite:${join(dir, 'bench.db')}`, { requestLog: { windowMs: opts.windowMs ?? 0 } });
  try {
    return await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Part 1: rows per transaction, raw prepared statement vs Kysely, single-threaded and back to back. */
async function groupSizes(): Promise<void> {
  console.log('\n## SQLite: rows per transaction (back to back, one connection)');
  console.log('| path | rows/txn | rows/s | µs/row |\n| --- | ---: | ---: | ---: |');
  for (const path of ['prepared', 'kysely'] as const) {
    for (const size of [1, 10, 100]) {
      await withStore({}, async (store) => {
        if (store.handle.dialect !== 'sqlite') throw new Error('sqlite expected');
        const sink = sqliteSink(store.handle.raw);
        const db = store.db;
        const until = performance.now() + SECONDS * 1000;
        const t0 = performance.now();
        let rows = 0;
        while (performance.now() < until) {
          const batch = Array.from({ length: size }, row);
          if (path === 'prepared') sink.write(batch);
          else await db.transaction().execute(async (trx) => {
            for (const r of batch) await trx.insertInto('requests').values(toRequestRecord(r)).execute();
          });
          rows += size;
        }
        const s = (performance.now() - t0) / 1000;
        console.log(`| ${path} | ${size} | ${fmt(rows / s, 0)} | ${fmt((s * 1e6) / rows, 2)} |`);
      });
    }
  }
}

/** Part 2/3: C clients in a closed loop, each awaiting its own row's commit, then appending the next. */
async function closedLoop(store: Store, clients: number): Promise<{ rowsPerS: number; cpuUsPerRow: number; meanMs: number; rowsPerTxn: number }> {
  let stop = false;
  let rows = 0;
  let latencySum = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const b0 = store.requestLog.batches;
  async function client(): Promise<void> {
    while (!stop) {
      const start = performance.now();
      await store.requestLog.append(row());
      latencySum += performance.now() - start;
      rows++;
      // Stand-in for a request's own work between log rows: yield to I/O once.
      await new Promise((r) => setImmediate(r));
    }
  }
  const running = Array.from({ length: clients }, client);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stop = true;
  await Promise.all(running);
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rowsPerS: rows / s, cpuUsPerRow: (cpu.user + cpu.system) / rows, meanMs: latencySum / rows, rowsPerTxn: rows / (store.requestLog.batches - b0) };
}

async function writerLoad(label: string, url?: string): Promise<void> {
  console.log(`\n## RequestLogWriter, ${label}: C clients, each awaits its commit`);
  console.log('| window | C | rows/s | CPU µs/row | mean append→commit ms | rows/txn |\n| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const windowMs of [0, 2]) {
    for (const clients of [1, 16, 128]) {
      await withStore({ ...(url ? { url } : {}), windowMs }, async (store) => {
        const r = await closedLoop(store, clients);
        console.log(`| ${windowMs === 0 ? 'same turn' : `${windowMs} ms`} | ${clients} | ${fmt(r.rowsPerS, 0)} | ${fmt(r.cpuUsPerRow, 1)} | ${fmt(r.meanMs, 3)} | ${fmt(r.rowsPerTxn, 1)} |`);
      });
    }
  }
}

/** Open loop: one row per 1 ms timer tick (about 1000 rows/s, each in its own event-loop turn). */
async function openLoop(): Promise<void> {
  console.log('\n## RequestLogWriter, SQLite: open loop, one row per 1 ms tick');
  console.log('| window | rows/s | CPU µs/row | mean append→commit ms | rows/txn |\n| --- | ---: | ---: | ---: | ---: |');
  for (const windowMs of [0, 2]) {
    await withStore({ windowMs }, async (store) => {
      let rows = 0;
      let latencySum = 0;
      const pending: Array<Promise<void>> = [];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const timer = setInterval(() => {
        const start = performance.now();
        pending.push(store.requestLog.append(row()).then(() => void ((latencySum += performance.now() - start), rows++)));
      }, 1);
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      clearInterval(timer);
      await Promise.all(pending);
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      console.log(`| ${windowMs === 0 ? 'same turn' : `${windowMs} ms`} | ${fmt(rows / s, 0)} | ${fmt((cpu.user + cpu.system) / rows, 1)} | ${fmt(latencySum / rows, 3)} | ${fmt(rows / store.requestLog.batches, 1)} |`);
    });
  }
}

await groupSizes();
await openLoop();
await writerLoad('SQLite');
if (args.pg) await writerLoad('PostgreSQL', args.pg);
