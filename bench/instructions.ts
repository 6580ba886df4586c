/**
 * `npm run bench:instructions`: the gateway's hot paths in instructions per request, a count that does not depend on
 * how fast or how busy the machine is. bench:gateway's CPU times on a shared machine move by half between two runs of
 * the same code (the floor's own CPU per request has read 0.090, 0.152 and 0.220 ms on one day), so a bar with a 10 %
 * margin cannot be judged from one run there; valgrind's callgrind counts the same instructions for the same build and
 * load within about 1 %.
 *
 * Each target of bench:gateway (and the floor proxy on each upstream API a front door may pass through to) runs under
 * `valgrind --tool=callgrind` with its counting switched off; it gets BENCH_WARM_REQUESTS at concurrency 50 per mode
 * (twice that for a process's first point, so the JIT has settled), then counting is switched on for BENCH_MEASURED_REQUESTS more and the count is dumped.
 * Counted: user-space instructions of every thread of the process (V8's garbage-collector threads included); not counted: time in the kernel, cache misses, waiting. So the ratios here are a floor under the CPU
 * ratios of bench:gateway, which also pay for those. What depends on time is kept out: V8 optimizes on the spot
 * rather than on its compiler thread (`COMPILE_NOW`), the optimizing compilers' work is counted apart and left out
 * (`compilerInstructions`), and what the process does by the clock (its timers) is counted with nothing to do and
 * taken off at its rate (see `idleRate`).
 *
 * Env: BENCH_TARGETS (floor and the Saima targets of bench:gateway but the peer), BENCH_WARM_REQUESTS (15000),
 * BENCH_MEASURED_REQUESTS (2000), BENCH_IDLE_SECONDS (5), BENCH_SETTLE_SECONDS (20, the pause before the idle
 * count), BENCH_PARALLEL (1, targets counted at once; more is faster, but two targets at once change each other's
 * counts by 10–25 %: how many requests an event-loop turn serves depends on the rate), BENCH_WRITE (1; 0 prints
 * only), BENCH_RENDER_ONLY (0; 1 writes the last run's section again from bench/results/instructions.json),
 * BENCH_PROFILE_DIR (unset; a directory to keep the callgrind dumps and V8's JIT maps in, for `callgrind_annotate`). Needs
 * valgrind on the PATH.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_MALLOC_ARENAS, GATEWAY_SEMI_SPACE_MB } from '../src/cli/heap-growth.js';
import { publishBenchSection } from './support/benchmarks-doc.js';
import { ChildProcesses, freePort, type ChildSpec } from './support/child-processes.js';
import { runAutocannon } from './support/run-autocannon.js';
import { repoRoot, startTarget, supportScript, TARGET_NAMES, type Mode, type Target, type TargetName, type Upstreams } from './support/targets.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const WARM = Number(env('BENCH_WARM_REQUESTS', '15000'));
const MEASURED = Number(env('BENCH_MEASURED_REQUESTS', '2000'));
const PARALLEL = Math.max(1, Number(env('BENCH_PARALLEL', '1')));
const IDLE_SECONDS = Number(env('BENCH_IDLE_SECONDS', '5'));
const SETTLE_SECONDS = Number(env('BENCH_SETTLE_SECONDS', '20'));
const DEFAULT_TARGETS = TARGET_NAMES.filter((t) => t !== 'direct' && t !== 'portkey');
/** Where to keep each target's callgrind dumps and V8's map of its JIT code (`--perf-basic-prof`), for reading where the instructions went; unset, nothing is kept. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const TARGETS = env('BENCH_TARGETS', DEFAULT_TARGETS.join(',')).split(',').filter((t): t is TargetName => (DEFAULT_TARGETS as readonly string[]).includes(t));
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/**
 * V8 optimizes a hot function on a compiler thread, and how long the function runs unoptimized meanwhile depends on
 * time (under valgrind, on what else runs): the counts of one build moved by a third between runs. Compiled on the
 * spot instead, when its counters say so, the same requests are run by the same code.
 */
const COMPILE_NOW = ['--no-concurrent-recompilation', '--no-concurrent-osr'];

/** The upstream API a request reaches: what the floor is measured on for comparison. */
type Wire = 'chat' | 'messages' | 'responses' | 'embeddings';

interface Point {
  target: TargetName;
  /** The floor's points are one per upstream API; a Saima target's carry the API its upstream calls go to. */
  wire: Wire;
  mode: Mode;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface InstructionRow {
  target: TargetName;
  wire: Wire;
  mode: Mode;
  requests: number;
  /** All instructions counted during the run, per request. */
  rawInstructionsPerRequest: number;
  /** Of those, the background compilers' (left out of `instructionsPerRequest`). */
  compilerInstructionsPerRequest: number;
  /** What the process counts per second without load (its timers), measured just before. */
  idleInstructionsPerSecond: number;
  /** Per request, with the idle rate over the run's duration taken off. */
  instructionsPerRequest: number;
}

function valgrindAvailable(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const upstreamWire = (t: TargetName): Wire =>
  t === 'saima-messages-passthrough' ? 'messages' : t === 'saima-responses-passthrough' ? 'responses' : t === 'saima-embeddings' ? 'embeddings' : 'chat';

const JSON_CT = { 'content-type': 'application/json' };
/** The floor, addressed on each upstream API with the upstream's own model and key. */
function floorPoints(floor: Target): Point[] {
  const auth = { ...JSON_CT, authorization: 'Bearer up-key' };
  const ask = 'Say hello to the benchmark.';
  const withStream = (body: Record<string, unknown>, mode: Mode) => JSON.stringify(mode === 'stream' ? { ...body, stream: true } : body);
  const points: Point[] = [];
  for (const mode of ['non-stream', 'stream'] as const) {
    points.push({ target: 'floor', wire: 'chat', mode, url: floor.url, headers: auth, body: floor.body(mode) });
    points.push({ target: 'floor', wire: 'messages', mode, url: floor.server.url + '/v1/messages', headers: { ...JSON_CT, 'x-api-key': 'up-key', 'anthropic-version': '2023-06-01' }, body: withStream({ model: 'bench-model', max_tokens: 256, messages: [{ role: 'user', content: ask }] }, mode) });
    points.push({ target: 'floor', wire: 'responses', mode, url: floor.server.url + '/v1/responses', headers: auth, body: withStream({ model: 'bench-model', input: ask, store: false }, mode) });
  }
  points.push({ target: 'floor', wire: 'embeddings', mode: 'non-stream', url: floor.server.url + '/v1/embeddings', headers: auth, body: JSON.stringify({ model: 'bench-model', input: ask, encoding_format: 'base64' }) });
  return points;
}

function targetPoints(t: Target): Point[] {
  if (t.name === 'floor') return floorPoints(t);
  return (['non-stream', 'stream'] as const)
    .filter((mode) => !t.only || t.only.modes.includes(mode))
    .map((mode) => ({ target: t.name, wire: upstreamWire(t.name), mode, url: t.url, headers: t.headers, body: t.body(mode) }));
}

/**
 * The instructions in one callgrind dump file: its `totals:` line, written last (so a file being written has none),
 * the costs since the previous dump. (Its `summary:` line is wrong for every dump but the first.)
 */
function dumpTotal(file: string): number | null {
  const m = /^totals:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) : null;
}

/**
 * The optimizing compilers' job bodies (TurboFan's and Maglev's), whichever thread runs them. When a function reaches
 * them depends on time as much as on counts, and a process's first counted run still optimizes (measured: a quarter of
 * the floor's first count), so their work, all of it under these calls, is counted apart and left out.
 */
const COMPILER_JOBS = /^\s*([\d,]+) .*(?:compiler::PipelineCompilationJob::(?:ExecuteJobImpl|FinalizeJobImpl)|maglev::MaglevCompilationJob::(?:ExecuteJobImpl|FinalizeJobImpl))\(/;

/** The instructions a dump counts under the compilers' job bodies (inclusive). */
function compilerInstructions(file: string): number {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = COMPILER_JOBS.exec(line);
    if (m) sum += Number(m[1]!.replace(/,/g, ''));
  }
  return sum;
}

/** Counts instructions in `pid` while `work` runs: from switching counting on to the dump. */
async function counted<T>(pid: number, outFile: string, work: () => Promise<T>): Promise<{ result: T; instructions: number; compiler: number; seconds: number }> {
  const dir = dirname(outFile);
  const before = new Set(readdirSync(dir));
  execFileSync('callgrind_control', ['--instr=on', String(pid)], { stdio: 'ignore' });
  const t0 = performance.now();
  const result = await work();
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
  const seconds = (performance.now() - t0) / 1000;
  execFileSync('callgrind_control', ['--instr=off', String(pid)], { stdio: 'ignore' });
  for (let i = 0; i < 600; i++) {
    const dump = readdirSync(dir).find((f) => !before.has(f) && f.startsWith(`${basename(outFile)}.`));
    const total = dump ? dumpTotal(join(dir, dump)) : null;
    if (total !== null) return { result, instructions: total, compiler: compilerInstructions(join(dir, dump!)), seconds };
    await sleep(100);
  }
  throw new Error(`no callgrind dump of ${basename(outFile)} appeared`);
}

/**
 * What the process counts each second when it has nothing to do: its timers (metrics, budget arbiter, the checkpoint
 * thread's tick). They run by the clock, and under valgrind a request takes some fifty times longer than at full
 * speed, so their share per request would be fifty times too large: their rate over a run is taken off the run's
 * count. Read after the target's last run and a pause of SETTLE_SECONDS: right after a start the process is still
 * settling in, and right after load it still does the load's own work (the race monitor folding the rows the load
 * logged), which is the requests' cost and stays in.
 */
async function idleRate(pid: number, outFile: string): Promise<number> {
  await sleep(SETTLE_SECONDS * 1000);
  const idle = await counted(pid, outFile, () => sleep(IDLE_SECONDS * 1000));
  return (idle.instructions - idle.compiler) / idle.seconds;
}

/** Copies a target's dumps and its JIT map to BENCH_PROFILE_DIR (see PROFILE_DIR). */
function keepProfile(name: string, pid: number, outFile: string): void {
  mkdirSync(PROFILE_DIR!, { recursive: true });
  for (const f of readdirSync(dirname(outFile))) if (f.startsWith(`${basename(outFile)}.`)) copyFileSync(join(dirname(outFile), f), join(PROFILE_DIR!, f));
  const map = join(tmpdir(), `perf-${pid}.map`);
  if (existsSync(map)) copyFileSync(map, join(PROFILE_DIR!, `perf-${name}.map`));
}

/** A point's counts, before the idle rate is known. */
interface Counted {
  point: Point;
  requests: number;
  instructions: number;
  compiler: number;
  seconds: number;
}

/** Counts `point` in the process `pid`, whose dumps are `outFile.N`. */
async function count(pid: number, outFile: string, point: Point, first: boolean): Promise<Counted> {
  const what = `${point.target} (${point.wire}, ${point.mode})`;
  // Under valgrind a request takes some fifty times its time: the load generator's usual 10 s would count a slow
  // one (a garbage collection, the monitor's read on the other thread) as failed.
  const spec = { url: point.url, headers: point.headers, body: point.body, varyUser: true, connections: 50, timeoutS: 300 };
  // A fresh process's first point gets twice the warm-up: the same warm-up left it 5–30 % above its later counts.
  const warm = await runAutocannon({ ...spec, amount: first ? 2 * WARM : WARM, maxS: 3600 });
  if (warm.ok !== warm.responses) throw new Error(`${what}: ${warm.responses - warm.ok} failed requests in the warm-up (${JSON.stringify(warm.statusCodes)}, ${warm.errors} errors)`);
  await sleep(2000);
  const busy = await counted(pid, outFile, () => runAutocannon({ ...spec, amount: MEASURED, maxS: 1800 }));
  const r = busy.result;
  if (r.ok !== r.responses || r.errors > 0) throw new Error(`${what}: ${r.responses - r.ok} failed requests counted (${JSON.stringify(r.statusCodes)}, ${r.errors} errors, ${r.timeouts} timeouts)`);
  // A request of this gateway is under a few million instructions; far outside that, a dump was misread.
  if (!(busy.instructions > 0 && busy.instructions / r.ok < 1e9)) throw new Error(`${what}: callgrind read ${busy.instructions} instructions for ${r.ok} requests`);
  log(`  ${what}: ${k(busy.instructions / r.ok)} instructions a request counted, ${k(busy.compiler / r.ok)} of them compiling`);
  return { point, requests: r.ok, instructions: busy.instructions, compiler: busy.compiler, seconds: busy.seconds };
}

function row(c: Counted, idle: number): InstructionRow {
  return {
    target: c.point.target,
    wire: c.point.wire,
    mode: c.point.mode,
    requests: c.requests,
    rawInstructionsPerRequest: c.instructions / c.requests,
    compilerInstructionsPerRequest: c.compiler / c.requests,
    idleInstructionsPerSecond: idle,
    instructionsPerRequest: (c.instructions - c.compiler - idle * c.seconds) / c.requests,
  };
}

const k = (n: number): string => `${Math.round(n / 1000).toLocaleString('en-US')}k`;

function render(rows: InstructionRow[], date: string, run: { warmRequests: number; measuredRequests: number; node: string }): string {
  const floor = (wire: Wire, mode: Mode) => rows.find((r) => r.target === 'floor' && r.wire === wire && r.mode === mode);
  const out = [
    `Command: \`npm run bench:instructions\`. Run ${date}, Node ${run.node}, valgrind's callgrind; ${run.warmRequests.toLocaleString('en-US')} requests of warm-up at concurrency 50 per mode (twice that for a process's first), then ${run.measuredRequests.toLocaleString('en-US')} counted.`,
    '',
    'Instructions a request in user space, every thread of the process (the garbage collector\'s included), counted by valgrind, so they do not depend on the machine\'s speed (V8 optimizing hot functions on the spot, \`--no-concurrent-recompilation\`, so that how long they run unoptimized does not depend on time either); kernel time and cache misses are not in it, so these ratios sit under the CPU ratios of the gateway benchmark. Targets are counted one at a time: two at once change each other\'s counts by 10–25 % (how many requests an event-loop turn serves depends on the rate). *counted / request* is everything counted during the run; *compiling / request* what V8\'s optimizing compilers did in the run (inclusive under their job bodies), left out; *idle / s* what the process counts each second with nothing to do, read after its last run and a pause (its timers, which under valgrind\'s slowdown of some fifty times would weigh fifty times as much per request); *instructions / request* is the count without the compilers\' part and without that idle rate over the run. *÷ floor* divides by the floor proxying chat completions in the same mode (the bars\' floor); *÷ floor, same API* by the floor proxying the API the target\'s upstream calls go to (a passed-through door\'s own).',
    '',
    '| target | upstream API | mode | instructions / request | ÷ floor | ÷ floor, same API | counted / request | compiling / request | idle / s |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const chat = floor('chat', r.mode);
    const same = floor(r.wire, r.mode);
    const ratio = (f: InstructionRow | undefined) => (f ? (r.instructionsPerRequest / f.instructionsPerRequest).toFixed(2) : '–');
    out.push(`| ${r.target} | ${r.wire} | ${r.mode} | ${k(r.instructionsPerRequest)} | ${r.target === 'floor' ? '–' : ratio(chat)} | ${r.target === 'floor' ? '–' : ratio(same)} | ${k(r.rawInstructionsPerRequest)} | ${k(r.compilerInstructionsPerRequest)} | ${k(r.idleInstructionsPerSecond)} |`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const root = repoRoot();
  const resultsFile = join(root, 'bench', 'results', 'instructions.json');
  if (env('BENCH_RENDER_ONLY', '0') === '1') {
    // The last run's counts written out again (a change of the section's wording needs no new count).
    const last = JSON.parse(readFileSync(resultsFile, 'utf8')) as { date: string; warmRequests: number; measuredRequests: number; node: string; rows: InstructionRow[] };
    publishBenchSection('instructions', 'Gateway hot path in instructions (callgrind)', render(last.rows, last.date, last));
    return;
  }
  if (!valgrindAvailable()) throw new Error('valgrind is not on the PATH (Debian: apt-get install valgrind)');
  const tmp = mkdtempSync(join(tmpdir(), 'saima-bench-instructions-'));
  const outFiles = new Map<string, string>();
  // Every target under callgrind, counting off until asked; the gateway as `saima serve` runs it (its young generation
  // and malloc arenas set, so it does not start itself again, which valgrind would not follow).
  const children = new ChildProcesses(tmp, (spec: ChildSpec) => {
    if (spec.name.startsWith('upstream') || spec.name === 'collector') return null;
    const outFile = join(tmp, `callgrind.${spec.name}`);
    outFiles.set(spec.name, outFile);
    return {
      command: 'valgrind',
      args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`, process.execPath, ...COMPILE_NOW, ...(PROFILE_DIR ? ['--perf-basic-prof'] : []), `--max-semi-space-size=${GATEWAY_SEMI_SPACE_MB}`, ...spec.args],
      env: { MALLOC_ARENA_MAX: String(GATEWAY_MALLOC_ARENAS) },
      readyTimeoutMs: 300_000,
    };
  });
  const rows: InstructionRow[] = [];
  try {
    const port = await freePort();
    const fast = await children.start({ name: 'upstream', args: [...supportScript('zero-delay-upstream'), '--port', String(port)], port, readyPath: '/health', readyStatus: 200 });
    const up: Upstreams = { fast, slow: fast };
    const queue = [...TARGETS];
    const work = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        log(`${name}: starting under callgrind`);
        const target = await startTarget(name, children, up, tmp);
        const counts: Counted[] = [];
        for (const point of targetPoints(target)) counts.push(await count(target.server.pid, outFiles.get(name)!, point, counts.length === 0));
        const idle = await idleRate(target.server.pid, outFiles.get(name)!);
        log(`  ${name}: ${k(idle)} instructions a second idle`);
        rows.push(...counts.map((c) => row(c, idle)));
        if (PROFILE_DIR) keepProfile(name, target.server.pid, outFiles.get(name)!);
        await children.stop(name, 30_000);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, TARGETS.length) }, work));
  } finally {
    await children.stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
  const order = (r: InstructionRow) => [TARGETS.indexOf(r.target), ['chat', 'messages', 'responses', 'embeddings'].indexOf(r.wire), r.mode === 'stream' ? 1 : 0];
  rows.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  if (env('BENCH_WRITE', '1') !== '0') {
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify({ date, command: 'npm run bench:instructions', node: process.version, warmRequests: WARM, measuredRequests: MEASURED, rows }, null, 2)}\n`);
  }
  publishBenchSection('instructions', 'Gateway hot path in instructions (callgrind)', render(rows, date, { warmRequests: WARM, measuredRequests: MEASURED, node: process.version }));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:instructions failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

