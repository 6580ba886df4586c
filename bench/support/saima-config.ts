/**
 * The Saima config a production user would run, pointed at the fake upstreams: key auth, a race with a
 * champion and a 20 % challenger with sticky assignment, priced contenders (metering), the request log in
 * SQLite. A second race, `bench-slow`, goes to the slow upstream to hold 200 streams open at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Registered as an admin key by the gateway at its first start (must start with sk-saima-, ≥ 40 chars). */
export const SAIMA_BENCH_KEY = 'sk-saima-bench-0000000000000000000000000000000000';

export function writeSaimaConfig(dir: string, port: number, upstreamPort: number, slowUpstreamPort: number): string {
  const contender = (upstream: number) => ({
    provider: 'openai',
    base_url: `http://127.0.0.1:${upstream}/v1`,
    api_key: 'up-key',
    model: 'bench-model',
    price: { input: 2, output: 8, currency: 'CNY' },
  });
  const config = {
    server: { host: '127.0.0.1', port },
    auth: { mode: 'keys' },
    store: `sqlite:${join(dir, 'bench.db')}`,
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
  const path = join(dir, 'saima-bench.yaml');
  writeFileSync(path, stringify(config));
  return path;
}
