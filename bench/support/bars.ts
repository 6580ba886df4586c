/**
 * The issue's bars for Saima, judged from one run's numbers. CPU and throughput bars are read at
 * concurrency 50, where every server is saturated and CPU per request is steadiest.
 */
import type { Bar, RunRow, SlowStreamReport, TargetReport } from './report.js';
import type { Mode, TargetName } from './targets.js';

const f = (n: number, d = 2): string => n.toFixed(d);

export function judgeBars(rows: RunRow[], targets: TargetReport[], slow: SlowStreamReport[]): Bar[] {
  const row = (t: TargetName, mode: Mode, c: number): RunRow | undefined => rows.find((r) => r.target === t && r.mode === mode && r.concurrency === c);
  // A row whose requests mostly failed measured the failure path, not the proxy: it cannot anchor a ratio.
  const healthy = (r: RunRow | undefined): r is RunRow => r !== undefined && r.ok > 0 && r.errors <= r.ok * 0.01;
  const bars: Bar[] = [];
  const push = (name: string, pass: boolean | null, detail: string): void => void bars.push({ name, pass, detail });

  for (const mode of ['non-stream', 'stream'] as const) {
    const s = row('saima', mode, 50);
    const fl = row('floor', mode, 50);
    const pk = row('portkey', mode, 50);
    if (healthy(s) && healthy(fl)) {
      push(`CPU per request ≤ 2× the floor's (${mode}, c=50)`, s.cpuMsPerRequest <= 2 * fl.cpuMsPerRequest,
        `Saima ${f(s.cpuMsPerRequest, 3)} ms vs floor ${f(fl.cpuMsPerRequest, 3)} ms (${f(s.cpuMsPerRequest / fl.cpuMsPerRequest)}×)`);
    } else push(`CPU per request ≤ 2× the floor's (${mode}, c=50)`, null, 'Saima or the floor has no healthy run');
    if (healthy(s) && healthy(pk)) {
      push(`CPU per request ≤ 1/5 of Portkey's (${mode}, c=50)`, s.cpuMsPerRequest * 5 <= pk.cpuMsPerRequest,
        `Saima ${f(s.cpuMsPerRequest, 3)} ms vs Portkey ${f(pk.cpuMsPerRequest, 3)} ms (1/${f(pk.cpuMsPerRequest / s.cpuMsPerRequest, 1)})`);
    } else {
      push(`CPU per request ≤ 1/5 of Portkey's (${mode}, c=50)`, null,
        healthy(s) ? `Portkey fails this mode (${pk ? `${pk.errors} errors, ${pk.ok} ok` : 'not run'}): no comparison` : 'Saima has no healthy run');
    }
  }
  const s50 = row('saima', 'non-stream', 50);
  const f50 = row('floor', 'non-stream', 50);
  push('Non-stream RPS at c=50 ≥ 0.6× the floor\'s', healthy(s50) && healthy(f50) ? s50.rps >= 0.6 * f50.rps : null,
    s50 && f50 ? `Saima ${f(s50.rps, 0)} vs floor ${f(f50.rps, 0)} RPS (${f(s50.rps / f50.rps)}×)` : 'missing run');
  const s1 = row('saima', 'non-stream', 1);
  push('Added latency at c=1 ≤ 0.6 ms at p50', healthy(s1) && s1.addedP50Ms !== null ? s1.addedP50Ms <= 0.6 : null,
    s1?.addedP50Ms != null ? `+${f(s1.addedP50Ms)} ms (Saima p50 ${f(s1.p50Ms)} ms)` : 'missing run');
  push('Added latency at c=1 ≤ 1.5 ms at p99', healthy(s1) && s1.addedP99Ms !== null ? s1.addedP99Ms <= 1.5 : null,
    s1?.addedP99Ms != null ? `+${f(s1.addedP99Ms)} ms (Saima p99 ${f(s1.p99Ms)} ms)` : 'missing run');
  const ts = targets.find((t) => t.name === 'saima')?.ttfb;
  const td = targets.find((t) => t.name === 'direct')?.ttfb;
  const ttfbOk = ts && td && ts.samples > 0 && td.samples > 0 && ts.errors === 0;
  push('Streaming time to first byte within 1 ms of direct at the median', ttfbOk ? ts.p50Ms - td.p50Ms <= 1 : null,
    ts && td ? `Saima ${f(ts.p50Ms)} ms vs direct ${f(td.p50Ms)} ms (+${f(ts.p50Ms - td.p50Ms)} ms)` : 'missing run');
  for (const mode of ['non-stream', 'stream'] as const) {
    const r = row('saima', mode, 200);
    push(`Zero errors at c=200 (${mode})`, r ? r.errors === 0 && r.ok > 0 : null, r ? `${r.errors} errors in ${r.responses} responses` : 'missing run');
  }
  const open = row('saima-open', 'non-stream', 50);
  const guarded = row('saima-guarded', 'non-stream', 50);
  push('Non-stream RPS with a key, rate limits and budgets ≥ 90% of without them (c=50)', healthy(open) && healthy(guarded) ? guarded.rps >= 0.9 * open.rps : null,
    open && guarded
      ? `with ${f(guarded.rps, 0)} vs without ${f(open.rps, 0)} RPS (${f(guarded.rps / open.rps)}×); CPU ${f(guarded.cpuMsPerRequest, 3)} vs ${f(open.cpuMsPerRequest, 3)} ms/req`
      : 'missing run');
  const sl = slow.find((x) => x.target === 'saima');
  push('RSS ≤ 200 MB with 200 concurrent streams', sl ? sl.rssPeakMb <= 200 && sl.errors === 0 : null,
    sl ? `peak ${f(sl.rssPeakMb, 0)} MB, ${sl.errors} errors in ${sl.responses} streams` : 'missing run');
  return bars;
}
