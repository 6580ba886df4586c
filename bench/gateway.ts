/**
 * `npm run bench:gateway`: the hot-path benchmark. In one run it starts a zero-delay fake upstream (chat
 * completions, Anthropic Messages, OpenAI Responses, embeddings), the undici floor proxy, Saima with what a production user turns
 * on (through each of its front doors), and the peer Portkey gateway, drives each with
 * autocannon at several concurrencies, non-stream and stream, charges each server its own CPU from procfs,
 * judges Saima's bars, and writes docs/BENCHMARKS.md (its section only) and bench/results/gateway.json.
 *
 * Env: BENCH_SECONDS (3, the measured length of each run), BENCH_ROUNDS (3; each table cell is the median of the
 * rounds), BENCH_CONCURRENCY (1,50,200), BENCH_TARGETS
 * (direct,floor,saima,saima-traced,saima-messages,saima-messages-passthrough,saima-responses,saima-responses-passthrough,
 * saima-embeddings,saima-open,saima-guarded,portkey; the access pair and saima-embeddings run non-stream at c=50 only,
 * saima-traced and the four streaming front doors — Anthropic Messages and OpenAI Responses, each translated to chat
 * completions and passed through — both modes at c=50, the doors' streaming TTFB each against its own direct
 * request), BENCH_TTFB_SECONDS (4), BENCH_SLOW_SECONDS (8),
 * BENCH_WRITE (1; 0 prints only),
 * BENCH_KEEP_TMP (0; 1 keeps the temp folder with every server's log), BENCH_WARM_REQUESTS (40000) and
 * BENCH_WARM_SECONDS (20): the c=50 warm-up every target gets in each of its modes before the rounds, whichever ends first; BENCH_SETTLE_MS (1500, the least pause before each run, which then lasts until the target is idle: under 5 % of a core over 250 ms, 10 s at most); BENCH_RUN_WARM_SECONDS (1.5, the load each run gets, after a
 * short probe, before it is measured).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeBars } from './support/bars.js';
import { ChildProcesses, freePort } from './support/child-processes.js';
import { combineRounds } from './support/combine-rounds.js';
import { renderGatewaySection, writeSection } from './support/markdown.js';
import { probe } from './support/probe.js';
import { readCpuMs, readRss, sampleRss } from './support/proc-stats.js';
import type { GatewayReport, RunRow, SlowStreamReport, TargetReport } from './support/report.js';
import { runAutocannon } from './support/run-autocannon.js';
import { repoRoot, startTarget, supportScript, TARGET_NAMES, type Mode, type Target, type TargetName, type Upstreams } from './support/targets.js';
import { measureTtfb, type TtfbResult } from './support/ttfb.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const SECONDS = Number(env('BENCH_SECONDS', '3'));
const ROUNDS = Number(env('BENCH_ROUNDS', '3'));
const CONCURRENCY = env('BENCH_CONCURRENCY', '1,50,200').split(',').map(Number);
const TARGETS = env('BENCH_TARGETS', TARGET_NAMES.join(',')).split(',').filter((t): t is TargetName => (TARGET_NAMES as readonly string[]).includes(t));
const TTFB_SECONDS = Number(env('BENCH_TTFB_SECONDS', '4'));
const SLOW_SECONDS = Number(env('BENCH_SLOW_SECONDS', '8'));
const WARM_REQUESTS = Number(env('BENCH_WARM_REQUESTS', '40000'));
const WARM_SECONDS = Number(env('BENCH_WARM_SECONDS', '20'));
const SETTLE_MS = Number(env('BENCH_SETTLE_MS', '1500'));
const RUN_WARM_SECONDS = Number(env('BENCH_RUN_WARM_SECONDS', '1.5'));
const SLOW_GAP_MS = 100;
const SLOW_STREAMS = 200;
const MB = 1024 * 1024;

const root = repoRoot();
const tmp = mkdtempSync(join(tmpdir(), 'saima-bench-gateway-'));
/** Error texts end up in a committed file: no paths of this machine in them. */
const scrub = (s: string): string => s.split(tmp).join('<tmp>').split(root).join('.');
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/**
 * The target processes that are not being measured, stopped (SIGSTOP) for the time one is. A dozen gateways that
 * idle between their turns still run timers (budget arbiters, checkpoints, memory reducers, garbage collection of
 * what their last run left) on the same two cores; stopped, none of that lands in another target's measurement. Each
 * does its catch-up work when continued, in its own settle pause before it is measured.
 */
class Freezer {
  readonly #frozen = new Set<number>();

  constructor(readonly targets: () => Target[], readonly keep: ReadonlySet<number>) {}

  /** Stops every target process but `active`'s (and the upstreams and collectors, which every target uses). */
  only(active: Target): void {
    for (const t of this.targets()) {
      const pid = t.server.pid;
      if (pid === active.server.pid || this.keep.has(pid) || this.#frozen.has(pid)) continue;
      if (signal(pid, 'SIGSTOP')) this.#frozen.add(pid);
    }
    if (this.#frozen.delete(active.server.pid)) signal(active.server.pid, 'SIGCONT');
  }

  thawAll(): void {
    for (const pid of this.#frozen) signal(pid, 'SIGCONT');
    this.#frozen.clear();
  }
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** A process is idle once it uses under 5 % of a core over a quarter second. */
const IDLE_WINDOW_MS = 250;
const IDLE_SHARE = 0.05;
const SETTLE_MAX_MS = 10_000;

/**
 * Waits SETTLE_MS, then until `pid` is idle (at most SETTLE_MAX_MS in all): work a target's last turn left (a WAL
 * checkpoint, a GC, a log flush), or timers that fell due while it was stopped, must not land in its measurement.
 */
async function settle(pid: number): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const started = performance.now();
  await sleep(SETTLE_MS);
  while (performance.now() - started < SETTLE_MAX_MS) {
    const before = readCpuMs(pid);
    await sleep(IDLE_WINDOW_MS);
    if (readCpuMs(pid) - before < IDLE_WINDOW_MS * IDLE_SHARE) return;
  }
}

async function loadRun(target: Target, upstream: Target['server'], mode: Mode, c: number, round: number, freezer: Freezer): Promise<RunRow> {
  freezer.only(target);
  await settle(target.server.pid);
  const spec = { url: target.url, headers: target.headers, body: target.body(mode), varyUser: true, connections: c };
  // Runs are sized in requests, not seconds (see runAutocannon): the warm-up's rate sizes the measured run.
  const probe = await runAutocannon({ ...spec, amount: Math.max(100, c * 3), maxS: 30 });
  // Then RUN_WARM_SECONDS of load at that rate: a target measured at one point per round sits idle for minutes
  // in between, V8's memory reducer shrinks its heap meanwhile, and a short run would pay for growing it back
  // (measured: a door target at 0.63 ms per request in a run after 150 warm-up requests, 0.20 ms run alone).
  const probeRate = probe.responses / Math.max(0.05, probe.durationS);
  const warm = RUN_WARM_SECONDS > 0 ? await runAutocannon({ ...spec, amount: Math.max(c * 3, Math.round(probeRate * RUN_WARM_SECONDS)), maxS: RUN_WARM_SECONDS * 3 + 10 }) : probe;
  const rate = warm.responses / Math.max(0.05, warm.durationS);
  const amount = Math.max(c * 10, Math.round(rate * SECONDS));
  const rss = sampleRss(target.server.pid);
  const cpu0 = readCpuMs(target.server.pid);
  const up0 = readCpuMs(upstream.pid);
  let end: { cpu: number; up: number } | null = null;
  const readEnd = (): { cpu: number; up: number } => ({ cpu: readCpuMs(target.server.pid), up: readCpuMs(upstream.pid) });
  const r = await runAutocannon({ ...spec, amount, maxS: SECONDS * 3 + 10, onLastResponse: () => (end = readEnd()) });
  const at = end ?? readEnd();
  const cpu = at.cpu - cpu0;
  const upCpu = at.up - up0;
  const row: RunRow = {
    target: target.name, mode, concurrency: c, round, rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, addedP50Ms: null, addedP99Ms: null,
    cpuMsPerRequest: cpu / Math.max(1, r.responses), upstreamCpuMsPerRequest: upCpu / Math.max(1, r.responses),
    rssPeakMb: rss.stop() / MB, responses: r.responses, ok: r.ok, errors: r.non2xx + r.errors, non2xx: r.non2xx, timeouts: r.timeouts,
    statusCodes: r.statusCodes,
  };
  log(`  ${target.name.padEnd(8)} ${mode.padEnd(10)} c=${String(c).padEnd(3)} ${r.rps.toFixed(0).padStart(6)} rps  p50 ${r.p50Ms.toFixed(2)}  p99 ${r.p99Ms.toFixed(2)} ms  cpu ${row.cpuMsPerRequest.toFixed(3)} ms/req  rss ${row.rssPeakMb.toFixed(0)} MB  errors ${row.errors}`);
  return row;
}

async function slowStreams(target: Target, freezer: Freezer): Promise<SlowStreamReport> {
  freezer.only(target);
  const rss = sampleRss(target.server.pid, 100);
  const streamS = (21 * SLOW_GAP_MS) / 1000;
  const amount = SLOW_STREAMS * Math.max(1, Math.round(SLOW_SECONDS / streamS));
  const r = await runAutocannon({ url: target.url, headers: target.headers, body: target.body('stream', { slow: true }), connections: SLOW_STREAMS, amount, varyUser: true, timeoutS: 20, maxS: SLOW_SECONDS * 3 + 10 });
  const report = { target: target.name, concurrency: SLOW_STREAMS, eventGapMs: SLOW_GAP_MS, rssPeakMb: rss.stop() / MB, responses: r.responses, errors: r.non2xx + r.errors, p50Ms: r.p50Ms };
  log(`  ${target.name} ${SLOW_STREAMS} open streams: rss peak ${report.rssPeakMb.toFixed(0)} MB, ${r.responses} streams, ${report.errors} errors`);
  return report;
}

/** The first error the server itself logged (e.g. the exception behind a peer's HTTP 500), for the report. */
function serverError(t: Target): string {
  const lines = t.server.tail(4000).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/[\r\n]+/);
  const i = lines.findIndex((l) => /error/i.test(l));
  if (i < 0) return '';
  // Start at the word before "error", dropping whatever the line began with (a spinner, a timestamp).
  const first = /[\w$]*\s*error\b.*/i.exec(lines[i] ?? '')?.[0] ?? lines[i] ?? '';
  return ` — its log: ${[first, ...lines.slice(i + 1, i + 3)].map((l) => l.trim()).join(' ').slice(0, 300)}`;
}

async function main(): Promise<void> {
  const children = new ChildProcesses(tmp);
  const loadAvgStart = loadavg();
  const runs: RunRow[] = [];
  const reports: TargetReport[] = [];
  const slow: SlowStreamReport[] = [];
  const targets: Target[] = [];
  let freezer: Freezer | null = null;
  try {
    const start = async (name: string, gap: number): Promise<Target['server']> => {
      const port = await freePort();
      return children.start({ name, args: [...supportScript('zero-delay-upstream'), '--port', String(port), '--event-gap-ms', String(gap)], port, readyPath: '/health', readyStatus: 200 });
    };
    const up: Upstreams = { fast: await start('upstream', 0), slow: await start('upstream-slow', SLOW_GAP_MS) };
    // The upstreams (and `direct`, which is the upstream) are never stopped; nor is a traced target's collector.
    freezer = new Freezer(() => targets, new Set([up.fast.pid, up.slow.pid]));
    for (const name of TARGETS) {
      try {
        const target = await startTarget(name, children, up, tmp);
        targets.push(target);
        reports.push({ name, label: target.label, started: true, startError: null, idleRssMb: readRss(target.server.pid).rss / MB, probes: {}, ttfb: null });
      } catch (err) {
        const msg = scrub(err instanceof Error ? err.message : String(err));
        log(`${name} failed to start: ${msg}`);
        reports.push({ name, label: name, started: false, startError: msg, idleRssMb: null, probes: {}, ttfb: null });
      }
    }
    const reportOf = (t: Target): TargetReport => reports.find((r) => r.name === t.name) as TargetReport;
    // Targets take turns at each mode and concurrency, so a change in the shared machine's background load
    // lands on all of them rather than on whichever target happened to run at that moment.
    for (const mode of ['non-stream', 'stream'] as const) {
      for (const t of targets.filter((x) => !x.only || x.only.modes.includes(mode))) {
        const p = await probe(t.url, { ...t.headers, 'x-saima-user': 'probe' }, t.body(mode), mode === 'stream', t.valid);
        if (p.error) p.error = scrub(p.error + serverError(t));
        reportOf(t).probes[mode] = p;
        if (!p.ok) log(`  ${t.name} ${mode} probe failed: ${p.error}`);
      }
    }
    // A fresh Node process runs its first ~20,000–30,000 requests at up to twice its steady CPU cost (JIT tiers, heap
    // growth). Every target gets the same sustained warm-up at c=50 in each of its modes before anything is
    // measured, so no target is measured cold just because it runs at fewer points than another.
    for (const t of targets) {
      freezer.only(t);
      for (const mode of ['non-stream', 'stream'] as const) {
        if (t.only && !t.only.modes.includes(mode)) continue;
        await runAutocannon({ url: t.url, headers: t.headers, body: t.body(mode), varyUser: true, connections: 50, amount: WARM_REQUESTS, maxS: WARM_SECONDS });
      }
      log(`  warmed ${t.name}`);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      for (const mode of ['non-stream', 'stream'] as const) {
        for (const c of CONCURRENCY) {
          for (const t of targets) if (!t.only || (t.only.modes.includes(mode) && t.only.concurrency.includes(c))) runs.push(await loadRun(t, up.fast, mode, c, round, freezer));
        }
      }
    }
    const timeTtfb = async (name: string, spec: { url: string; headers: Record<string, string>; body: string }): Promise<TtfbResult> => {
      const ttfb = await measureTtfb({ ...spec, durationS: TTFB_SECONDS });
      if (ttfb.firstError) ttfb.firstError = scrub(ttfb.firstError);
      log(`  ${name.padEnd(8)} ttfb p50 ${ttfb.p50Ms.toFixed(2)} p99 ${ttfb.p99Ms.toFixed(2)} ms (${ttfb.samples} samples, ${ttfb.errors} errors${ttfb.firstError ? `: ${ttfb.firstError}` : ''})`);
      return ttfb;
    };
    for (const t of targets.filter((x) => !x.only || x.ttfb)) {
      freezer.only(t);
      await settle(t.server.pid);
      // A front door's direct comparison runs just before it, against the upstream endpoint the door calls.
      if (t.directTtfb) reportOf(t).ttfbDirect = { endpoint: t.directTtfb.endpoint, result: await timeTtfb(`direct ${t.directTtfb.endpoint} (for ${t.name})`, t.directTtfb) };
      reportOf(t).ttfb = await timeTtfb(t.name, { url: t.url, headers: t.headers, body: t.body('stream') });
    }
    const saima = targets.find((t) => t.name === 'saima');
    if (saima) slow.push(await slowStreams(saima, freezer));
  } finally {
    // A stopped process would not act on the SIGTERM that stops it.
    freezer?.thawAll();
    await children.stopAll();
    if (env('BENCH_KEEP_TMP', '0') === '1') log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  // Added latency is paired within a round (direct ran just before), then the median is taken over rounds.
  for (const r of runs) {
    const d = runs.find((x) => x.target === 'direct' && x.round === r.round && x.mode === r.mode && x.concurrency === r.concurrency);
    if (r.target !== 'direct' && d) {
      r.addedP50Ms = r.p50Ms - d.p50Ms;
      r.addedP99Ms = r.p99Ms - d.p99Ms;
    }
  }
  const rows = combineRounds(runs);
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
  const report: GatewayReport = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    command: 'npm run bench:gateway',
    machine: { cpu: cpuModel, cores: cpus().length, node: process.version, loadAvgStart, loadAvgEnd: loadavg() },
    settings: { seconds: SECONDS, rounds: ROUNDS, warmupRequests: `max(100, 3 × concurrency) requests, then ${RUN_WARM_SECONDS} s of load at their rate`, concurrencies: CONCURRENCY, ttfbSeconds: TTFB_SECONDS, slowStreamSeconds: SLOW_SECONDS },
    targets: reports,
    rows,
    runs,
    slowStreams: slow,
    bars: judgeBars(rows, runs, reports, slow),
  };
  for (const b of report.bars) log(`${b.pass === null ? '–' : b.pass ? '✔' : '✘'} ${b.name}: ${b.detail}`);
  if (env('BENCH_WRITE', '1') === '0') return;
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'gateway.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeSection(join(root, 'docs', 'BENCHMARKS.md'), renderGatewaySection(report));
  log('wrote docs/BENCHMARKS.md and bench/results/gateway.json');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
