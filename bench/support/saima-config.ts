/**
 * The Saima config a production user would run, pointed at the fake upstreams: key auth, a race with a
 * champion and a 20 % challenger with sticky assignment, priced contenders (metering), the request log in
 * SQLite. A second race, `bench-slow`, goes to the slow upstream to hold 200 streams open at once.
 *
 * Two variants measure what access control costs: `open` drops the key (auth none, no limits, no budgets) and
 * `guarded` adds per-key and per-team rate limits (requests and tokens) and two daily budgets (team, contender),
 * all sized never to refuse a request, so every request pays for the checks and none is turned away. `traced` is
 * the production config with OpenTelemetry tracing on at 100 % sampling (telemetry.md), exporting to a loopback
 * collector that discards what it gets.
 *
 * The front-door variants are the production config, each in its own process and database. `messages`, `responses`
 * and `embeddings` keep its OpenAI-format contenders (a Messages or Responses request is translated to chat
 * completions; embeddings go to their `/embeddings`); `messages-passthrough` makes them `anthropic` contenders on the
 * upstream's Messages API (bytes passed through), `responses-passthrough` `openai` contenders with `responses: true`
 * (passed through to the upstream's Responses API).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Registered as an admin key by the gateway at its first start (must start with sk-saima-, ≥ 40 chars). */
export const SAIMA_BENCH_KEY = 'sk-saima-bench-0000000000000000000000000000000000';

export type SaimaVariant = 'production' | 'open' | 'guarded' | 'traced' | 'messages' | 'messages-passthrough' | 'responses' | 'responses-passthrough' | 'embeddings';

export function writeSaimaConfig(dir: string, port: number, upstreamPort: number, slowUpstreamPort: number, variant: SaimaVariant = 'production', collectorUrl?: string): string {
  const contender = (upstream: number) => ({
    // Anthropic's base URL has no /v1 (the provider adds /v1/messages); OpenAI's does.
    ...(variant === 'messages-passthrough'
      ? { provider: 'anthropic', base_url: `http://127.0.0.1:${upstream}` }
      : { provider: 'openai', base_url: `http://127.0.0.1:${upstream}/v1`, ...(variant === 'responses-passthrough' ? { responses: true } : {}) }),
    api_key: 'up-key',
    model: 'bench-model',
    price: { input: 2, output: 8, currency: 'CNY' },
  });
  const huge = { rpm: 1_000_000_000, tpm: 1_000_000_000_000 };
  const config = {
    server: { host: '127.0.0.1', port },
    auth: { mode: variant === 'open' ? 'none' : 'keys' },
    store: `sqlite:${join(dir, `bench-${variant}.db`)}`,
    // `traced`: the production config with OpenTelemetry on, every request traced, to a collector that discards.
    ...(variant === 'traced' ? { telemetry: { otlp: { endpoint: collectorUrl, sample_rate: 1 } } } : {}),
    ...(variant === 'guarded'
      ? {
          // The bench key is the admin key the gateway registers at first start: team `admin`, key defaults apply.
          key_defaults: { limits: huge },
          teams: { admin: { limits: huge } },
          budgets: {
            'bench-team-day': { team: 'admin', period: 'day', limit: 1_000_000_000, currency: 'CNY' },
            'bench-champion-day': { contender: 'bench-champion', period: 'day', limit: 1_000_000_000, currency: 'CNY' },
          },
        }
      : {}),
    contenders: {
      'bench-champion': contender(upstreamPort),
      'bench-challenger': contender(upstreamPort),
      'bench-slow-model': contender(slowUpstreamPort),
    },
    races: {
      bench: { champion: 'bench-champion', challengers: [{ contender: 'bench-challenger', weight: 20 }], sticky: true, capture: false },
      'bench-slow': { champion: 'bench-slow-model', sticky: true, capture: false },
    },
  };
  const path = join(dir, `saima-bench-${variant}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}
