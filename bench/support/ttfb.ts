/**
 * Time to first byte of a streamed completion: autocannon only sees whole responses, so a small undici loop
 * times each request from send to its first body chunk (and to its end), `concurrency` requests at a time.
 */
import { Agent, request } from 'undici';
import { percentile } from './percentile.js';

export interface TtfbSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  durationS: number;
  concurrency?: number;
}

export interface TtfbResult {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  /** Whole-stream time, for scale. */
  totalP50Ms: number;
  errors: number;
  firstError: string | null;
}

export async function measureTtfb(spec: TtfbSpec): Promise<TtfbResult> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: spec.concurrency ?? 1 });
  const firsts: number[] = [];
  const totals: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const until = performance.now() + spec.durationS * 1000;
  let user = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      const t0 = performance.now();
      let first = -1;
      try {
        const res = await request(spec.url, {
          method: 'POST',
          headers: { ...spec.headers, 'x-saima-user': `user-${user++ % 1000}` },
          body: spec.body,
          dispatcher: agent,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        if (res.statusCode !== 200) {
          const text = await res.body.text();
          errors++;
          firstError ??= `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
          continue;
        }
        for await (const _chunk of res.body) if (first < 0) first = performance.now() - t0;
        firsts.push(first);
        totals.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency ?? 1 }, loop));
  await agent.close();
  return {
    samples: firsts.length,
    p50Ms: percentile(firsts, 50),
    p99Ms: percentile(firsts, 99),
    totalP50Ms: percentile(totals, 50),
    errors,
    firstError,
  };
}
