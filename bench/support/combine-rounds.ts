/**
 * Several short rounds instead of one long run: on a shared machine a burst of someone else's work lands on
 * one round, and the median across rounds ignores it. Counts add up; peaks take the maximum.
 */
import { median } from './percentile.js';
import type { RunRow } from './report.js';

/** One row per target × mode × concurrency from the rounds' rows (in first-seen order). */
export function combineRounds(runs: RunRow[]): RunRow[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of runs) {
    const key = `${r.target}|${r.mode}|${r.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const first = rs[0] as RunRow;
    const statusCodes: Record<string, number> = {};
    for (const r of rs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
    const sum = (f: (r: RunRow) => number): number => rs.reduce((a, r) => a + f(r), 0);
    return {
      ...first,
      rps: median(rs.map((r) => r.rps)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      addedP50Ms: first.addedP50Ms === null ? null : median(rs.map((r) => r.addedP50Ms ?? Number.NaN)),
      addedP99Ms: first.addedP99Ms === null ? null : median(rs.map((r) => r.addedP99Ms ?? Number.NaN)),
      cpuMsPerRequest: median(rs.map((r) => r.cpuMsPerRequest)),
      upstreamCpuMsPerRequest: median(rs.map((r) => r.upstreamCpuMsPerRequest)),
      rssPeakMb: Math.max(...rs.map((r) => r.rssPeakMb)),
      responses: sum((r) => r.responses),
      ok: sum((r) => r.ok),
      errors: sum((r) => r.errors),
      non2xx: sum((r) => r.non2xx),
      timeouts: sum((r) => r.timeouts),
      statusCodes,
    };
  });
}
