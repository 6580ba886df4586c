/**
 * The issue's bars for Saima, judged from one run's numbers. CPU and throughput bars are read at
 * concurrency 50, where every server is saturated and CPU per request is steadiest. A ratio between two targets
 * is judged paired per round, as added latency is: targets take turns at each mode and concurrency within a
 * round, so the shared machine's drift between rounds (whole rounds run at half speed) cancels in each round's
 * ratio, where a ratio of the two medians can pair one target's slow round with the other's fast one. The
 * medians are shown beside it.
 */
import { median } from './percentile.js';
import type { Bar, RunRow, SlowStreamReport, TargetReport } from './report.js';
import { DOOR_TARGETS, type Mode, type TargetName } from './targets.js';

const f = (n: number, d = 2): string => n.toFixed(d);

export function judgeBars(rows: RunRow[], runs: RunRow[], targets: TargetReport[], slow: SlowStreamReport[]): Bar[] {
  const row = (t: TargetName, mode: Mode, c: number): RunRow | undefined => rows.find((r) => r.target === t && r.mode === mode && r.concurrency === c);
  // A row whose requests mostly failed measured the failure path, not the proxy: it cannot anchor a ratio.
  const healthy = (r: RunRow | undefined): r is RunRow => r !== undefined && r.ok > 0 && r.errors <= r.ok * 0.01;
  /** f(a) / f(b) in each round both ran healthily: median, min and max over those rounds. */
  const paired = (a: TargetName, b: TargetName, mode: Mode, c: number, f: (r: RunRow) => number): { median: number; min: number; max: number } => {
    const ratios: number[] = [];
    for (const ra of runs) {
      if (ra.target !== a || ra.mode !== mode || ra.concurrency !== c || !healthy(ra)) continue;
      const rb = runs.find((x) => x.target === b && x.mode === mode && x.concurrency === c && x.round === ra.round);
      if (healthy(rb)) ratios.push(f(ra) / f(rb));
    }
    return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  };
  const span = (p: { min: number; max: number }, fmt: (x: number) => string): string => `rounds ${fmt(p.min)}–${fmt(p.max)}`;
  const cpu = (r: RunRow): number => r.cpuMsPerRequest;
  const rps = (r: RunRow): number => r.rps;
  const bars: Bar[] = [];
  const push = (name: string, pass: boolean | null, detail: string): void => void bars.push({ name, pass, detail });

  for (const mode of ['non-stream', 'stream'] as const) {
    const s = row('saima', mode, 50);
    const fl = row('floor', mode, 50);
    const pk = row('portkey', mode, 50);
    if (healthy(s) && healthy(fl)) {
      const p = paired('saima', 'floor', mode, 50, cpu);
      push(`CPU per request ≤ 2× the floor's (${mode}, c=50)`, p.median <= 2,
        `${f(p.median)}× paired per round (${span(p, (x) => `${f(x)}×`)}); medians Saima ${f(s.cpuMsPerRequest, 3)} ms, floor ${f(fl.cpuMsPerRequest, 3)} ms`);
    } else push(`CPU per request ≤ 2× the floor's (${mode}, c=50)`, null, 'Saima or the floor has no healthy run');
    if (healthy(s) && healthy(pk)) {
      const p = paired('portkey', 'saima', mode, 50, cpu);
      push(`CPU per request ≤ 1/5 of Portkey's (${mode}, c=50)`, p.median >= 5,
        `1/${f(p.median, 1)} paired per round (${span(p, (x) => `1/${f(x, 1)}`)}); medians Saima ${f(s.cpuMsPerRequest, 3)} ms, Portkey ${f(pk.cpuMsPerRequest, 3)} ms`);
    } else {
      push(`CPU per request ≤ 1/5 of Portkey's (${mode}, c=50)`, null,
        healthy(s) ? `Portkey fails this mode (${pk ? `${pk.errors} errors, ${pk.ok} ok` : 'not run'}): no comparison` : 'Saima has no healthy run');
    }
  }
  const s50 = row('saima', 'non-stream', 50);
  const f50 = row('floor', 'non-stream', 50);
  const pr = paired('saima', 'floor', 'non-stream', 50, rps);
  push('Non-stream RPS at c=50 ≥ 0.6× the floor\'s', healthy(s50) && healthy(f50) ? pr.median >= 0.6 : null,
    s50 && f50 ? `${f(pr.median)}× paired per round (${span(pr, (x) => `${f(x)}×`)}); medians Saima ${f(s50.rps, 0)}, floor ${f(f50.rps, 0)} RPS` : 'missing run');
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
  const pa = paired('saima-guarded', 'saima-open', 'non-stream', 50, rps);
  push('Non-stream RPS with a key, rate limits and budgets ≥ 90% of without them (c=50)', healthy(open) && healthy(guarded) ? pa.median >= 0.9 : null,
    open && guarded
      ? `${f(pa.median)}× paired per round (${span(pa, (x) => `${f(x)}×`)}); medians with ${f(guarded.rps, 0)} vs without ${f(open.rps, 0)} RPS, CPU ${f(guarded.cpuMsPerRequest, 3)} vs ${f(open.cpuMsPerRequest, 3)} ms/req`
      : 'missing run');
  for (const mode of ['non-stream', 'stream'] as const) {
    const on = row('saima-traced', mode, 50);
    const off = row('saima', mode, 50);
    const pt = paired('saima-traced', 'saima', mode, 50, cpu);
    push(`CPU per request with tracing on ≤ 1.3× tracing off (${mode}, c=50)`, healthy(on) && healthy(off) ? pt.median <= 1.3 : null,
      on && off
        ? `${f(pt.median)}× paired per round (${span(pt, (x) => `${f(x)}×`)}); medians on ${f(on.cpuMsPerRequest, 3)} vs off ${f(off.cpuMsPerRequest, 3)} ms/req`
        : 'missing run');
  }
  // Each front door is held to chat's bars: CPU against the floor, and streaming TTFB against the upstream endpoint the
  // door calls, timed just before it (chat completions when it translates, its own API when it passes through).
  // Embeddings do not stream: CPU only.
  const doors: Record<string, { title: string; stream: boolean }> = {
    'saima-messages': { title: 'Messages API (translated)', stream: true },
    'saima-messages-passthrough': { title: 'Messages API (passed through)', stream: true },
    'saima-responses': { title: 'Responses API (translated)', stream: true },
    'saima-responses-passthrough': { title: 'Responses API (passed through)', stream: true },
    'saima-embeddings': { title: 'Embeddings API', stream: false },
  };
  for (const door of DOOR_TARGETS) {
    const { title, stream } = doors[door] ?? { title: door, stream: true };
    for (const mode of stream ? (['non-stream', 'stream'] as const) : (['non-stream'] as const)) {
      const m = row(door, mode, 50);
      const fl = row('floor', mode, 50);
      const pm = paired(door, 'floor', mode, 50, cpu);
      push(`${title}: CPU per request ≤ 2× the floor's (${mode}, c=50)`, healthy(m) && healthy(fl) ? pm.median <= 2 : null,
        m && fl
          ? `${f(pm.median)}× paired per round (${span(pm, (x) => `${f(x)}×`)}); medians door ${f(m.cpuMsPerRequest, 3)} ms, floor ${f(fl.cpuMsPerRequest, 3)} ms`
          : 'missing run');
    }
    if (!stream) continue;
    const report = targets.find((t) => t.name === door);
    const t = report?.ttfb;
    const d = report?.ttfbDirect;
    const against = d ? `direct ${d.endpoint}` : 'direct';
    const ok = t && d && t.samples > 0 && d.result.samples > 0 && t.errors === 0 && d.result.errors === 0;
    push(`${title}: streaming time to first byte within 1 ms of ${against} at the median`, ok ? t.p50Ms - d.result.p50Ms <= 1 : null,
      t && d
        ? `door ${f(t.p50Ms)} ms vs ${against} ${f(d.result.p50Ms)} ms (+${f(t.p50Ms - d.result.p50Ms)} ms), timed one after the other${t.errors + d.result.errors ? `; ${t.errors} + ${d.result.errors} errors` : ''}`
        : 'missing run');
  }
  const sl = slow.find((x) => x.target === 'saima');
  push('RSS ≤ 200 MB with 200 concurrent streams', sl ? sl.rssPeakMb <= 200 && sl.errors === 0 : null,
    sl ? `peak ${f(sl.rssPeakMb, 0)} MB, ${sl.errors} errors in ${sl.responses} streams` : 'missing run');
  return bars;
}
