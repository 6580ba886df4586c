/**
 * Gateway setups for the cluster benchmarks: one or more `saima serve` replicas on a store (SQLite or PostgreSQL),
 * with or without Redis, all under the same load (mock contender, key auth with team RPM/TPM limits and a race
 * budget, so every request is admitted and settled), each replica its own process charged its own CPU from procfs.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, type ChildProcesses, type ChildServer } from './child-processes.js';
import { readCpuMs } from './proc-stats.js';
import { runAutocannon } from './run-autocannon.js';
import { repoRoot } from './targets.js';

const KEY = 'sk-saima-bench-cluster-000000000000000000000000000';

export interface Scenario {
  name: string;
  replicas: ChildServer[];
}

export interface GatewayRow {
  scenario: string;
  /** The least disturbed round: on a machine shared with other work, noise only ever adds CPU. */
  bestCpuMsPerRequest?: number;
  replicas: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  redisCpuMsPerRequest: number | null;
}

/** The compiled CLI when there is one (tsx would add its own start-up and transpile work to every replica). */
export function saimaCli(): string[] {
  const root = repoRoot();
  return existsSync(join(root, 'dist/src/cli/main.js')) ? [join(root, 'dist/src/cli/main.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
}

export class GatewayScenarios {
  constructor(
    readonly children: ChildProcesses,
    readonly dir: string,
    readonly opts: { concurrency: number; seconds: number },
  ) {}

  async start(name: string, store: string, redis: string | null, n: number): Promise<Scenario> {
    const replicas: ChildServer[] = [];
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const doc = {
        server: { host: '127.0.0.1', port },
        auth: { mode: 'keys' },
        log: { level: 'warn' },
        store,
        ...(redis ? { redis } : {}),
        contenders: { m: { provider: 'mock', model: 'm', price: { input: 1, output: 2, currency: 'CNY' }, mock: { default_answer: 'a short simulated answer' } } },
        races: { bench: { champion: 'm' } },
        teams: { admin: { limits: { rpm: 100_000_000, tpm: 1_000_000_000 } } },
        budgets: { daily: { race: 'bench', period: 'day', limit: 1_000_000, currency: 'CNY' } },
      };
      const file = join(this.dir, `${name}-${i}.json`);
      writeFileSync(file, JSON.stringify(doc));
      replicas.push(await this.children.start({ name: `${name}-${i}`, args: [...saimaCli(), 'serve', '--config', file], env: { SAIMA_ADMIN_KEY: KEY }, port, readyPath: '/health', readyStatus: 200 }));
    }
    return { name, replicas };
  }

  #spec(s: Scenario) {
    const body = JSON.stringify({ model: 'bench', max_tokens: 32, messages: [{ role: 'user', content: 'Say something short.' }] });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
    const per = Math.max(1, Math.round(this.opts.concurrency / s.replicas.length));
    const maxS = this.opts.seconds * 3 + 10;
    return { per, spec: (r: ChildServer, amount: number, max = maxS) => ({ url: `${r.url}/v1/chat/completions`, headers, body, connections: per, amount, varyUser: true, maxS: max }) };
  }

  /**
   * A fresh Node process needs 20,000–30,000 requests to reach its steady CPU cost (JIT tiers, heap growth): every
   * scenario gets the same 40,000 requests (or 20 s) before it is measured, so none is measured cold.
   */
  async warm(s: Scenario): Promise<void> {
    const { spec } = this.#spec(s);
    await Promise.all(s.replicas.map((r) => runAutocannon(spec(r, Math.round(40_000 / s.replicas.length), 20))));
  }

  /** One measured round of about `seconds`, after a short pause and a small warm-up that sizes it. */
  async load(s: Scenario, redisPid: number | null): Promise<GatewayRow> {
    const { per, spec } = this.#spec(s);
    // Let the previous scenario's leftover work (commits, checkpoints, Redis settles) finish before this one is timed.
    await new Promise((r) => setTimeout(r, 1500));
    const warm = await Promise.all(s.replicas.map((r) => runAutocannon(spec(r, per * 20))));
    const rate = warm.reduce((sum, w) => sum + w.responses / Math.max(0.05, w.durationS), 0);
    const amount = Math.max(per * 10, Math.round((rate * this.opts.seconds) / s.replicas.length));
    const cpu0 = s.replicas.map((r) => readCpuMs(r.pid));
    const redis0 = redisPid ? readCpuMs(redisPid) : 0;
    const runs = await Promise.all(s.replicas.map((r) => runAutocannon(spec(r, amount))));
    const cpu = s.replicas.reduce((sum, r, i) => sum + readCpuMs(r.pid) - cpu0[i]!, 0);
    const redisCpu = redisPid ? readCpuMs(redisPid) - redis0 : null;
    const ok = runs.reduce((sum, r) => sum + r.ok, 0);
    const bad = runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    if (bad > 0) throw new Error(`${s.name}: ${bad} failed requests (${JSON.stringify(runs.map((r) => r.statusCodes))})`);
    return {
      scenario: s.name,
      replicas: s.replicas.length,
      rps: runs.reduce((sum, r) => sum + r.rps, 0),
      p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
      p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
      cpuMsPerRequest: cpu / ok,
      redisCpuMsPerRequest: redisCpu === null ? null : redisCpu / ok,
    };
  }
}

/** The local Redis server's pid, to charge it its CPU; null when it runs elsewhere. */
export async function redisServerPid(url: string): Promise<number | null> {
  const r = new Redis(url);
  try {
    const m = /process_id:(\d+)/.exec(await r.info('server'));
    const pid = m ? Number(m[1]) : null;
    return pid !== null && existsSync(`/proc/${pid}/stat`) ? pid : null;
  } finally {
    await r.quit();
  }
}
