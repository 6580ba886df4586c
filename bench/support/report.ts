/** The gateway benchmark's results, as written to bench/results/gateway.json and rendered into BENCHMARKS.md. */
import type { ProbeResult } from './probe.js';
import type { Mode, TargetName } from './targets.js';
import type { TtfbResult } from './ttfb.js';

export interface RunRow {
  target: TargetName;
  mode: Mode;
  concurrency: number;
  /** 1-based; combined rows keep the first round's number. */
  round: number;
  /** Successful responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** This target's latency minus direct's at the same mode and concurrency; null for direct itself. */
  addedP50Ms: number | null;
  addedP99Ms: number | null;
  /** The target process's CPU time (user + system) over responses received. */
  cpuMsPerRequest: number;
  upstreamCpuMsPerRequest: number;
  rssPeakMb: number;
  responses: number;
  ok: number;
  /** non-2xx responses + connection errors + timeouts. */
  errors: number;
  non2xx: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export interface TargetReport {
  name: TargetName;
  label: string;
  started: boolean;
  startError: string | null;
  idleRssMb: number | null;
  probes: Partial<Record<Mode, ProbeResult>>;
  ttfb: TtfbResult | null;
  /** A front door's own direct comparison (the upstream endpoint it calls), timed just before its `ttfb`. */
  ttfbDirect?: { endpoint: string; result: TtfbResult } | null;
}

export interface SlowStreamReport {
  target: TargetName;
  concurrency: number;
  eventGapMs: number;
  /** Largest VmRSS sampled while the streams were open. */
  rssPeakMb: number;
  responses: number;
  errors: number;
  p50Ms: number;
}

export interface Bar {
  name: string;
  /** null when the bar cannot be judged (a target missing or failing). */
  pass: boolean | null;
  detail: string;
}

export interface GatewayReport {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; node: string; loadAvgStart: number[]; loadAvgEnd: number[] };
  settings: { seconds: number; rounds: number; warmupRequests: string; concurrencies: number[]; ttfbSeconds: number; slowStreamSeconds: number };
  targets: TargetReport[];
  /** Medians over the rounds, one per target × mode × concurrency. */
  rows: RunRow[];
  /** Every round's run, as measured. */
  runs: RunRow[];
  slowStreams: SlowStreamReport[];
  bars: Bar[];
}
