/**
 * `saima arena import` at scale: writes N battles (default 1,000,000; FastChat records without conversations, the
 * shape of a clean_battle export, 50 contenders) to a JSON Lines file in a temporary directory, then imports it into
 * a fresh SQLite store twice through the same code path as the CLI: the first import stores every battle, the second
 * finds every one already present. Prints battles per second of wall and of CPU time (on a shared machine the
 * wall clock includes waiting for a core) and the peak RSS of each phase (the bar: ≥ 100k battles/s, memory flat
 * in N). The peak RSS is the kernel's high-water mark of the process (all its threads, SQLite's page cache included),
 * reset before each phase. Writes its section of docs/BENCHMARKS.md (BENCH_WRITE=0 to only print it).
 * With `--store postgres://…` the import goes to a fresh schema of that database instead (dropped after).
 * Run: npm run bench:arena-import -- [--battles 1000000] [--format jsonl|array] [--store postgres://…] (from the build,
 * as the CLI runs; `node --import tsx bench/arena-import.ts` runs it from source, where the reading thread compiles
 * TypeScript first)
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { importBattleFile } from '../src/arena/battle-import.js';
import { buildConfig } from '../src/config/load.js';
import { openStore } from '../src/store/index.js';
import { publishBenchSection } from './support/benchmarks-doc.js';

const { values: args } = parseArgs({ options: { battles: { type: 'string', default: '1000000' }, format: { type: 'string', default: 'jsonl' }, store: { type: 'string' } } });
const N = Number(args.battles);
const dir = mkdtempSync(join(tmpdir(), 'saima-bench-import-'));
const file = join(dir, args.format === 'array' ? 'clean_battle.json' : 'battles.jsonl');
const winners = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];

let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const out = createWriteStream(file);
if (args.format === 'array') out.write('[\n');
for (let k = 0; k < N; k++) {
  const a = Math.floor(rand() * 50);
  const b = (a + 1 + Math.floor(rand() * 49)) % 50;
  const rec = { question_id: `q${k.toString(16)}`, model_a: `model-${a}`, model_b: `model-${b}`, winner: winners[Math.floor(rand() * 4)], judge: `arena_user_${k % 5000}`, conversation_a: null, conversation_b: null, turn: 1, anony: true, language: k % 3 ? 'English' : 'Chinese', tstamp: 1_700_000_000 + k / 10 };
  const text = JSON.stringify(rec);
  const line = args.format === 'array' ? `  ${text}${k < N - 1 ? ',' : ''}\n` : `${text}\n`;
  if (!out.write(line)) await new Promise<void>((r) => { out.once('drain', () => r()); });
}
if (args.format === 'array') out.write(']\n');
await new Promise<void>((r) => { out.end(() => r()); });
console.log(`arena import bench: ${N.toLocaleString('en-US')} battles, ${(statSync(file).size / 1e6).toFixed(0)} MB ${args.format}, node ${process.version}`);

let storeUrl = `sqlite:${join(dir, 'saima.db')}`;
let dropSchema = async () => {};
if (args.store?.startsWith('postgres')) {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: args.store });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create schema ${schema}`);
  dropSchema = () => admin(`drop schema if exists ${schema} cascade`);
  const url = new URL(args.store);
  url.searchParams.set('schema', schema);
  storeUrl = url.toString();
}
console.log(`store: ${storeUrl.split(':')[0]}`);
const config = buildConfig({ store: storeUrl, contenders: { m: { provider: 'mock', model: 'm' } } });
const store = await openStore(storeUrl);
/** CPU seconds of this process's main thread (Linux: utime + stime of its task; 0 elsewhere). */
function mainThreadCpu(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The process's peak RSS since the last reset, in bytes (Linux VmHWM; reset through clear_refs). */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}
function resetPeakRss(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' / ');
const loadBefore = load();
const rows: string[] = [];
try {
  for (const phase of ['first import', 're-import']) {
    resetPeakRss();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpu();
    const r = await importBattleFile(store, config, file);
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    const cpu = (c.user + c.system) / 1e6;
    const main = mainThreadCpu() - main0;
    const peak = peakRss() / 2 ** 20;
    // On a shared machine wall time includes waiting for a core; CPU time is what the import itself costs, and the
    // writing (main) thread's CPU is the import's critical path once the reading thread has a core of its own.
    const rate = (x: number) => Math.round(N / x).toLocaleString('en-US');
    console.log(`${phase.padEnd(13)} ${s.toFixed(2).padStart(7)} s wall  ${rate(s).padStart(9)} battles/s;  ${cpu.toFixed(2).padStart(7)} s cpu (writing thread ${main.toFixed(2)} s: ${rate(main)} battles/s);  ${r.inserted} new, ${r.present} already present; peak RSS ${peak.toFixed(0)} MB`);
    rows.push(`| ${phase} | ${r.inserted.toLocaleString('en-US')} new, ${r.present.toLocaleString('en-US')} present | ${s.toFixed(1)} s | **${rate(s)}** | ${cpu.toFixed(1)} s | ${main.toFixed(1)} s (${rate(main)} battles/s) | ${peak.toFixed(0)} MB |`);
  }
} finally {
  await store.close();
  await dropSchema();
  rmSync(dir, { recursive: true, force: true });
}
const dialect = storeUrl.startsWith('sqlite') ? 'sqlite' : 'postgres';
publishBenchSection(
  dialect === 'sqlite' ? 'arena-import' : 'arena-import-postgres',
  dialect === 'sqlite' ? 'Arena import (SQLite)' : 'Arena import (PostgreSQL)',
  [
    `\`npm run bench:arena-import -- --battles ${N}${args.format === 'array' ? ' --format array' : ''}${dialect === 'sqlite' ? '' : ' --store postgres://…'}\`: ${N.toLocaleString('en-US')} FastChat battle records (${args.format === 'array' ? 'one JSON array' : 'JSON Lines'}, 50 contenders) imported into a fresh ${dialect === 'sqlite' ? 'SQLite file' : 'PostgreSQL schema'}, then imported again (every battle already present). ${dialect === 'sqlite' ? 'Bar: ≥ 100k battles/s, memory flat in N.' : 'The bar is for SQLite; PostgreSQL must stay correct (the server\'s own CPU is not in these figures).'}`,
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}; load average ${loadBefore} at start, ${load()} at end (shared machine: wall time includes waiting for a core).`,
    '',
    '| phase | battles | wall | battles/s (wall) | CPU, all threads | CPU, writing thread | peak RSS |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n'),
);
