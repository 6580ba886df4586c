/**
 * `npm run bench:simulate-users -- CELL...`: the sweeps behind docs/racing.md's tables of simulated races with
 * users. Each CELL is `policy/shape/scenario/analysis` — policy `canary` | `gate` | `bandit`; shape `skewed`
 * (2,000 users, activity skew 0.7), `equal` (200 equally active users) or `heavy` (2,000 users, heavy-tailed
 * activity), all with per-user spread 0.3; scenario `aa` (challenger identical), `error` (+2 error points),
 * `latency` (+30 % latency) or `feedback` (−5 feedback points); analysis `user` (what the monitor does: users as
 * units, adjusted by their pre-race history, SIM_PRE_HOURS of it), `plain` (users as units, no pre-race
 * adjustment: what it did before) or `request` (every request an independent unit). Prints one JSON line per cell.
 *
 * `npm run bench:simulate-users -- --tables FILE...` prints the markdown tables of docs/racing.md from such lines.
 * Lines of one cell run with different SIM_SEEDs are independent batches and are pooled (counts added, the Wilson
 * interval recomputed); a pooled A/B cell shows no time to detect, which cannot be pooled from medians.
 *
 * Env: SIM_RUNS (2000), SIM_HOURS (24), SIM_INTERVAL_S (300), SIM_TRAFFIC_RPS (20), SIM_SEED (1), SIM_PRE_HOURS (168),
 * SIM_USER_CAP (the policy's `user_request_cap`: unset, its default; 0, every request weighs alike).
 */
import { readFileSync } from 'node:fs';
import { defaultSimulationRace, simulateBatch, wilson } from '../src/race/simulate/simulate.js';
import type { Effects } from '../src/race/simulate/scenario.js';
import type { UserModel } from '../src/race/simulate/users.js';

const env = (name: string, dflt: string): string => process.env[name] ?? dflt;
const RUNS = Number(env('SIM_RUNS', '2000'));
const HOURS = Number(env('SIM_HOURS', '24'));
const INTERVAL_MS = Number(env('SIM_INTERVAL_S', '300')) * 1000;
const RPS = Number(env('SIM_TRAFFIC_RPS', '20'));
const SEED = Number(env('SIM_SEED', '1'));
const PRE_HOURS = Number(env('SIM_PRE_HOURS', '168'));
const USER_CAP = process.env.SIM_USER_CAP === undefined ? undefined : Number(process.env.SIM_USER_CAP);

export const SHAPES: Record<string, UserModel> = {
  skewed: { count: 2000, activity: 'skewed', spread: 0.3 },
  equal: { count: 200, activity: 'equal', spread: 0.3 },
  heavy: { count: 2000, activity: 'heavy', spread: 0.3 },
};
export const SCENARIOS: Record<string, Effects> = {
  aa: {},
  error: { error_rate: 0.02 },
  latency: { p95_latency: 0.3 },
  feedback: { feedback: -0.05 },
};

interface CellResult {
  policy: string; shape: string; scenario: string; analysis: string; preHours?: number; userCap?: number; finalWeights?: Record<string, number>; runs: number; rolledBack: number; promoted: number;
  rolledBackCi: [number, number]; promotedCi: [number, number]; detectMinutes: { median: number; p90: number; medianCi: [number, number] } | null;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ci = (c: [number, number]) => `${(100 * c[0]).toFixed(1)}–${(100 * c[1]).toFixed(1)}`;
const mins = (m: number) => (m < 120 ? `${m.toFixed(0)} min` : `${(m / 60).toFixed(1)} h`);
const SHAPE_NAMES: Record<string, string> = { skewed: '2,000 users, skew 0.7', equal: '200 equal users', heavy: '2,000 users, heavy-tailed' };
const SCENARIO_NAMES: Record<string, string> = { error: '+2 error points', latency: '+30 % latency', feedback: '−5 feedback points' };

function tables(files: string[]): string {
  const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CellResult));
  const pooled = new Map<string, CellResult>();
  for (const r of lines) {
    const key = `${r.policy}/${r.shape}/${r.scenario}/${r.analysis}/${r.userCap ?? 0}`;
    const before = pooled.get(key);
    if (!before) {
      pooled.set(key, r);
      continue;
    }
    const runs = before.runs + r.runs;
    const rolledBack = before.rolledBack + r.rolledBack;
    const promoted = before.promoted + r.promoted;
    pooled.set(key, { ...before, runs, rolledBack, promoted, rolledBackCi: wilson(rolledBack, runs), promotedCi: wilson(promoted, runs), detectMinutes: null });
  }
  const rows = [...pooled.values()];
  // Lines from before `user_request_cap` existed carry no cap: every request weighed alike.
  const capped = (r: CellResult) => ((r.userCap ?? 0) > 0 ? ` ≤ ${r.userCap} req.` : '');
  const unit = (r: CellResult) => (r.analysis === 'user' && (r.preHours ?? 0) > 0 ? `user${capped(r)}, ${r.preHours! % 24 === 0 ? `${r.preHours! / 24} d` : `${r.preHours} h`} history` : r.analysis === 'plain' ? `user${capped(r)}` : r.analysis);
  const aa = rows.filter((r) => r.scenario === 'aa');
  const ab = rows.filter((r) => r.scenario !== 'aa');
  const out = ['| policy | users | unit | runs | false rollbacks (95 % CI) | false promotions (95 % CI) |', '| --- | --- | --- | ---: | --- | --- |'];
  for (const r of aa) out.push(`| ${r.policy} | ${SHAPE_NAMES[r.shape]} | ${unit(r)} | ${r.runs} | ${pct(r.rolledBack / r.runs)} (${ci(r.rolledBackCi)}) | ${pct(r.promoted / r.runs)} (${ci(r.promotedCi)}) |`);
  out.push('', '| policy | users | effect | unit | runs | rolled back within 24 h (95 % CI) | time to detect p50 (95 % CI) / p90 | challenger share at the end |', '| --- | --- | --- | --- | ---: | --- | --- | ---: |');
  for (const r of ab) {
    const d = r.detectMinutes;
    const share = r.finalWeights?.challenger;
    out.push(`| ${r.policy} | ${SHAPE_NAMES[r.shape]} | ${SCENARIO_NAMES[r.scenario]} | ${unit(r)} | ${r.runs} | ${pct(r.rolledBack / r.runs)} (${ci(r.rolledBackCi)}) | ${d ? `${mins(d.median)} (${mins(d.medianCi[0])}–${mins(d.medianCi[1])}) / ${mins(d.p90)}` : '—'} | ${share === undefined ? '—' : `${share.toFixed(1)} %`} |`);
  }
  return out.join('\n');
}

if (process.argv[2] === '--tables') {
  process.stdout.write(`${tables(process.argv.slice(3))}\n`);
  process.exit(0);
}

for (const cell of process.argv.slice(2)) {
  const [policy, shape, scenario, analysis] = cell.split('/') as [string, string, string, string];
  const users = SHAPES[shape];
  const effects = SCENARIOS[scenario];
  if (!['canary', 'gate', 'bandit'].includes(policy) || !users || !effects || !['user', 'plain', 'request'].includes(analysis)) {
    throw new Error(`cell ${cell}: expected policy/shape/scenario/analysis (see the header)`);
  }
  const race = defaultSimulationRace(USER_CAP === undefined ? { type: policy } : { type: policy, user_request_cap: USER_CAP });
  const started = performance.now();
  const batch = simulateBatch({
    race, effects, trafficRps: RPS, hours: HOURS, runs: RUNS, intervalMs: INTERVAL_MS, fx: { CNY: 1, USD: 7.1 }, seed: SEED,
    users: { ...users, preHours: analysis === 'user' ? PRE_HOURS : 0 }, analysis: analysis === 'request' ? 'request' : 'user',
  }, effects, SEED);
  process.stdout.write(`${JSON.stringify({ cell, policy, shape, scenario, analysis, hours: HOURS, intervalMs: INTERVAL_MS, rps: RPS, preHours: analysis === 'user' ? PRE_HOURS : 0, userCap: race.policy.user_request_cap, seconds: (performance.now() - started) / 1000, ...batch })}\n`);
}
