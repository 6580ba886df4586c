/**
 * Renders the gateway report into docs/BENCHMARKS.md under `## Gateway hot path`, rewriting only the text between
 * this benchmark's markers so other benchmarks' sections stay as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { GatewayReport, RunRow } from './report.js';
import type { Mode } from './targets.js';
import type { TtfbResult } from './ttfb.js';

export const START = '<!-- bench:gateway:start -->';
export const END = '<!-- bench:gateway:end -->';
const HEADER = '# Benchmarks\n\nOne section per benchmark, each rewritten by its own script between its markers.\n';

const num = (n: number, d: number): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');
const signed = (n: number | null, d = 2): string => (n === null ? '–' : `${n >= 0 ? '+' : ''}${num(n, d)}`);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

function table(rows: RunRow[], report: GatewayReport, mode: Mode): string {
  const lines = [
    '| target | c | RPS | p50 ms | p99 ms | added p50 ms | added p99 ms | CPU ms/req | RSS MB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const t of report.targets) {
    for (const r of rows.filter((x) => x.target === t.name && x.mode === mode)) {
      const codes = Object.entries(r.statusCodes).filter(([c]) => !c.startsWith('2')).map(([c, n]) => `${n}× ${c}`);
      const detail = [...codes, ...(r.timeouts ? [`${r.timeouts} timeouts`] : [])].join(', ');
      lines.push(`| ${t.name} | ${r.concurrency} | ${num(r.rps, 0)} | ${num(r.p50Ms, 2)} | ${num(r.p99Ms, 2)} | ${signed(r.addedP50Ms)} | ${signed(r.addedP99Ms)} | ${num(r.cpuMsPerRequest, 3)} | ${num(r.rssPeakMb, 0)} | ${r.errors}${detail ? ` (${detail})` : ''} |`);
    }
  }
  return lines.join('\n');
}

export function renderGatewaySection(report: GatewayReport): string {
  const m = report.machine;
  const st = report.settings;
  const out: string[] = [START];
  out.push(`Command: \`npm run bench:gateway\`. Each cell is the median of ${st.rounds} rounds of about ${st.seconds} s (\`BENCH_ROUNDS\`, \`BENCH_SECONDS\`), each run after a warm-up of ${st.warmupRequests}; error counts add up over the rounds.`);
  out.push(`Run ${report.date} on ${m.cores} cores (${m.cpu}), Node ${m.node}; load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' / ')} (shared machine), at end ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(' / ')}.`);
  out.push('');
  out.push('Method. A zero-delay fake upstream, each proxy and the load generator run in separate processes on the same machine; every target process but the one measured is stopped (SIGSTOP) for its warm-up, runs and TTFB timing, so that the timers and leftover work of idle gateways do not land in its measurement, and each run starts after a pause of at least 1.5 s that lasts until the target is idle (under 5 % of a core over 250 ms, 10 s at most): its own leftover work, and timers that fell due while it was stopped, must not land in the run; every target first gets the same warm-up (40,000 requests or 20 s at c=50, in each of its modes; a fresh Node process needs 20,000–30,000 requests to reach its steady CPU cost); targets take turns, one at a time, under autocannon (closed loop, one connection per unit of concurrency; each run is sized in requests from its warm-up\'s rate so that it ends without cutting requests off), non-stream and stream (20 SSE events from chat completions; the upstream also answers Anthropic\'s Messages API, 23 events, and OpenAI\'s Responses API, 26 events, for the front doors that pass through, and embeddings). *direct* is autocannon straight at the upstream\'s chat completions; *added* latency is the target\'s minus direct\'s at the same concurrency, paired within each round; the bars compare two targets the same way, by the median of their per-round ratios (the machine\'s speed drifts between rounds, so a ratio of two medians can pair one target\'s slow round with the other\'s fast one). CPU ms/req is the target process\'s user + system time from `/proc/PID/stat` over the responses of the run (for *direct*, the upstream\'s own). RSS is the largest `VmRSS` sampled during the run. Errors are non-2xx responses, connection errors and timeouts (10 s).');
  out.push('');
  out.push('Targets:');
  for (const t of report.targets) out.push(`- **${t.name}**: ${t.label}${t.startError ? ` — **failed to start**: ${cell(t.startError)}` : ''}`);
  out.push('');
  out.push('### Bars (Saima, this run)');
  out.push('');
  for (const b of report.bars) out.push(`- ${b.pass === null ? '–' : b.pass ? '✔' : '✘'} ${b.name}: ${b.detail}`);
  for (const mode of ['non-stream', 'stream'] as const) {
    out.push('', `### ${mode === 'stream' ? 'Stream' : 'Non-stream'}`, '', table(report.rows, report, mode));
  }
  out.push('', '### Streaming time to first byte (c=1)', '');
  out.push('Timed by an undici client loop from sending the request to the first body chunk, one request at a time. Each front door is timed right after a direct request to the upstream endpoint it calls (its row *direct …*): chat completions when it translates, its own API when it passes through; its *added* is against that row, every other target\'s against *direct*.', '');
  out.push('| target | samples | TTFB p50 ms | TTFB p99 ms | added p50 ms | whole stream p50 ms | errors |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const direct = report.targets.find((t) => t.name === 'direct')?.ttfb;
  const ttfbRow = (name: string, r: TtfbResult, added: number | null): string =>
    `| ${name} | ${r.samples} | ${num(r.p50Ms, 2)} | ${num(r.p99Ms, 2)} | ${signed(added)} | ${num(r.totalP50Ms, 2)} | ${r.errors} |`;
  for (const t of report.targets) {
    if (!t.ttfb) continue;
    if (t.ttfbDirect) {
      out.push(ttfbRow(`direct ${t.ttfbDirect.endpoint} (for ${t.name})`, t.ttfbDirect.result, null));
      out.push(ttfbRow(t.name, t.ttfb, t.ttfb.p50Ms - t.ttfbDirect.result.p50Ms));
    } else out.push(ttfbRow(t.name, t.ttfb, t.name === 'direct' || !direct ? null : t.ttfb.p50Ms - direct.p50Ms));
  }
  if (report.slowStreams.length) {
    out.push('', '### Memory with 200 concurrent streams', '');
    out.push('The upstream spaces its 20 events, so every connection holds an open stream for the whole run.', '');
    out.push('| target | open streams | event gap ms | RSS peak MB | streams completed | errors |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const s of report.slowStreams) out.push(`| ${s.target} | ${s.concurrency} | ${s.eventGapMs} | ${num(s.rssPeakMb, 0)} | ${s.responses} | ${s.errors} |`);
  }
  const failures = report.targets.flatMap((t) => Object.entries(t.probes).filter(([, p]) => p && !p.ok).map(([mode, p]) => `- **${t.name}**, ${mode}: ${cell(p?.error ?? '')}`));
  if (failures.length) out.push('', '### Failing modes (reported, not patched)', '', 'The first answer of each mode that did not return a valid completion:', '', ...failures);
  out.push('', `Raw numbers: \`bench/results/gateway.json\`.`, END);
  return out.join('\n');
}

/** Replaces this benchmark's marked section in `path`, or appends it; creates the file with its header. */
export function writeSection(path: string, section: string): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  const next = a >= 0 && b > a ? current.slice(0, a) + section + current.slice(b + END.length) : `${current.trimEnd()}\n\n## Gateway hot path\n\n${section}\n`;
  writeFileSync(path, next);
}
