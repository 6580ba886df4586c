/**
 * One closed-loop load run with autocannon's programmatic API. Latencies come from autocannon's per-response
 * event (float milliseconds from hrtime), not its histogram, which keeps whole milliseconds only and so cannot
 * show a sub-millisecond overhead at concurrency 1.
 */
import autocannon, { type AutocannonRequest } from 'autocannon';
import { percentile } from './percentile.js';

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /**
   * Requests to complete. The run ends when every connection has had its share answered, so no request is
   * cut off by the load generator (cut-offs would charge the target for aborted work and look like client
   * disconnects to it).
   */
  amount: number;
  /** Safety stop: a run still going after this many seconds is stopped, cutting what is in flight. */
  maxS?: number;
  /** Per-request timeout; a request still unanswered after it counts as an error. */
  timeoutS?: number;
  /** Called at the last expected response, so CPU can be read at the end of the work, not of the run. */
  onLastResponse?: () => void;
  /** Sets a varying `x-saima-user` header so sticky assignment hashes many users (1,000 of them, round robin). */
  varyUser?: boolean;
}

export interface LoadResult {
  /** Responses of any status received during the run. */
  responses: number;
  ok: number;
  /** Successful (2xx) responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  timeouts: number;
  /** Connection errors and timeouts (autocannon counts timeouts among errors). */
  errors: number;
  statusCodes: Record<string, number>;
  durationS: number;
}

export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  let user = 0;
  const request: AutocannonRequest = {
    method: 'POST',
    headers: spec.headers,
    body: spec.body,
    ...(spec.varyUser
      ? { setupRequest: (req: AutocannonRequest) => ({ ...req, headers: { ...req.headers, 'x-saima-user': `user-${user++ % 1000}` } }) }
      : {}),
  };
  const latencies: number[] = [];
  let responses = 0;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    amount: Math.max(spec.amount, spec.connections),
    // autocannon notices the end only at its sampling tick; 100 ms instead of 1 s wastes less time idle.
    sampleInt: 100,
    timeout: spec.timeoutS ?? 10,
    requests: [request],
  });
  const amount = Math.max(spec.amount, spec.connections);
  const t0 = performance.now();
  let last = t0;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    responses++;
    last = performance.now();
    if (status >= 200 && status < 300) latencies.push(ms);
    if (responses === amount) spec.onLastResponse?.();
  });
  const safety = setTimeout(() => instance.stop(), (spec.maxS ?? 120) * 1000);
  const result = await instance;
  clearTimeout(safety);
  // From the start to the last response: the run's own end waits for autocannon's next sampling tick.
  const seconds = (responses > 0 ? last - t0 : performance.now() - t0) / 1000;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    responses,
    ok: latencies.length,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    errors: result.errors,
    statusCodes,
    durationS: seconds,
  };
}
