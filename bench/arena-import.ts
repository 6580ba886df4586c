/**
 * `saima arena import` at scale: writes N battles (default 1,000,000; FastChat records without conversations, the
 * shape of a clean_battle export, 50 contenders) to a JSON Lines file in a temporary directory, then imports it into
 * a fresh SQLite store twice through the same code path as the CLI: the first import stores every battle, the second
 * finds every one already present. Prints battles per second of wall and of CPU time (on a shared machine the
 * wall clock includes waiting for a core) and the peak RSS of each phase (the bar: ≥ 100k battles/s, memory flat
 * in N).
 * With `--store postgres://…` the import goes to a fresh schema of that database instead (dropped after).
 * Run: node --import tsx bench/arena-import.ts [--battles 1000000] [--format jsonl|array] [--store postgres://…]
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { importBattleFile } from '../src/arena/battle-import.js';
import { buildConfig } from '../src/config/load.js';
import { openStore } from '../src/store/index.js';

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

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
try {
  for (const phase of ['first import', 're-import']) {
    peak = process.memoryUsage().rss;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpu();
    const r = await importBattleFile(store, config, file);
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    const cpu = (c.user + c.system) / 1e6;
    const main = mainThreadCpu() - main0;
    // On a shared machine wall time includes waiting for a core; CPU time is what the import itself costs.
    console.log(`${phase.padEnd(13)} ${s.toFixed(2).padStart(7)} s wall  ${Math.round(N / s).toLocaleString('en-US').padStart(9)} battles/s;  ${cpu.toFixed(2).padStart(7)} s cpu  ${Math.round(N / cpu).toLocaleString('en-US').padStart(9)} battles/cpu-s (main thread ${main.toFixed(2)} s);  ${r.inserted} new, ${r.present} already present; peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
  }
} finally {
  clearInterval(sampler);
  await store.close();
  await dropSchema();
  rmSync(dir, { recursive: true, force: true });
}
