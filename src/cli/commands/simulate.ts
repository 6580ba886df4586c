/**
 * `saima simulate --race NAME --effect feedback=-0.03 --traffic 20rps --runs 1000 [--hours 24]`: the power
 * analysis of a race. Runs the race's policy code against synthetic contenders on a simulated clock, first with
 * no effect (false rollbacks) and then with the effects given (time to detect, final allocation).
 */
import type { Command } from 'commander';
import { loadConfigFile } from '../../config/load.js';
import type { Race } from '../../config/types.js';
import { fixedHorizonInterval } from '../../race/policies/index.js';
import { parseEffects } from '../../race/simulate/scenario.js';
import { defaultSimulationRace, simulate, wilson, type BatchSummary } from '../../race/simulate/simulate.js';
import { ACTIVITY_SHAPES, type ActivityShape, type UserModel } from '../../race/simulate/users.js';
import { renderTable } from '../table.js';

interface SimulateOptions {
  race?: string;
  config?: string;
  effect: string[];
  traffic: string;
  runs: string;
  hours: string;
  interval: string;
  seed: string;
  naive?: boolean;
  json?: boolean;
  users: string;
  activity: string;
  spread: string;
  preHours: string;
  analysis: string;
}

/** `--users 0` draws every request independently (no users); otherwise a population of that many. */
function userModel(o: SimulateOptions): UserModel | null {
  const count = Number(o.users);
  if (!Number.isInteger(count) || count < 0) throw new Error(`--users ${o.users}: expected a whole number (0: no users, every request independent)`);
  if (!(ACTIVITY_SHAPES as readonly string[]).includes(o.activity)) throw new Error(`--activity ${o.activity}: expected one of ${ACTIVITY_SHAPES.join(', ')}`);
  const spread = Number(o.spread);
  if (!(spread >= 0) || !Number.isFinite(spread)) throw new Error(`--spread ${o.spread}: expected a number ≥ 0`);
  if (o.analysis !== 'user' && o.analysis !== 'request') throw new Error(`--analysis ${o.analysis}: expected user or request`);
  const preHours = Number(o.preHours);
  if (!(preHours >= 0) || !Number.isFinite(preHours)) throw new Error(`--pre-hours ${o.preHours}: expected a number of hours ≥ 0 (0: no history, no adjustment)`);
  return count === 0 ? null : { count, activity: o.activity as ActivityShape, spread, preHours };
}

function parseTraffic(text: string): number {
  const m = /^(\d*\.?\d+)\s*(rps|rpm)?$/i.exec(text.trim());
  if (!m) throw new Error(`--traffic ${text}: expected a rate like 20rps or 600rpm`);
  return Number(m[1]) / (m[2]?.toLowerCase() === 'rpm' ? 60 : 1);
}

function parseInterval(text: string): number {
  const m = /^(\d*\.?\d+)\s*(ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`--interval ${text}: expected a duration like 5s, 1m or 500ms`);
  return Math.max(1, Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm']));
}

function positive(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new Error(`--${name} ${text}: expected a positive ${integer ? 'whole ' : ''}number`);
  return v;
}

function pickRace(o: SimulateOptions): { race: Race; fx: { CNY: number; USD: number } } {
  const file = o.config ?? (o.race ? 'saima.yaml' : null);
  if (!file) return { race: defaultSimulationRace(), fx: { CNY: 1, USD: 7.1 } };
  const config = loadConfigFile(file);
  const names = [...config.races.keys()];
  const name = o.race ?? (names.length === 1 ? names[0]! : null);
  const race = name ? config.races.get(name) : undefined;
  if (!race) throw new Error(`${o.race ? `no race named ${o.race}` : 'give --race'} (races: ${names.join(', ') || 'none'})`);
  if (race.challengers.length === 0) throw new Error(`race ${race.name} has no challenger to simulate`);
  return { race, fx: config.fx };
}

function percent(k: number, n: number): string {
  return `${((100 * k) / Math.max(1, n)).toFixed(1)} %`;
}

function duration(minutes: number): string {
  return minutes < 120 ? `${minutes.toFixed(0)} min` : `${(minutes / 60).toFixed(1)} h`;
}

function row(label: string, b: BatchSummary, challengers: string[]): Array<string | number | null> {
  const share = challengers.reduce((s, c) => s + (b.finalWeights[c] ?? 0), 0);
  return [label, b.runs, percent(b.rolledBack, b.runs), percent(b.promoted, b.runs), percent(b.srmAlerted, b.runs),
    b.detectMinutes ? duration(b.detectMinutes.median) : null, b.detectMinutes ? duration(b.detectMinutes.p90) : null, `${share.toFixed(1)} %`];
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("Simulate a race's policy many times: false-rollback rate, time to detect, final allocation")
    .option('--race <name>', 'race to simulate (its policy and challengers); default: a built-in canary race')
    .option('-c, --config <file>', 'config file (default saima.yaml when --race is given)')
    .option('--effect <metric=value>', 'effect on every challenger, repeatable: error_rate=0.01, p95_latency=0.2, ttft=0.2, cost_per_request=0.1, feedback=-0.03', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--traffic <rate>', 'race traffic, e.g. 20rps or 600rpm', '20rps')
    .option('--runs <n>', 'simulated races per scenario', '1000')
    .option('--hours <h>', 'length of each race', '24')
    .option('--interval <duration>', 'how often the simulated monitor looks (the gateway default is 5s)', '1m')
    .option('--seed <n>', 'random seed', '1')
    .option('--naive', 'use a fixed-horizon z-test at every look instead of the always-valid test (to see why not)')
    .option('--users <n>', 'sticky users in the race (0: every request drawn independently)', '2000')
    .option('--activity <shape>', 'how requests spread over users: equal, skewed (Zipf 0.7) or heavy (Zipf 1.2)', 'skewed')
    .option('--spread <s>', "per-user spread of every metric's baseline (see docs/racing.md)", '0.3')
    .option('--pre-hours <h>', "hours the same users spent on the champion before the race, which the tests adjust by (0: none)", '168')
    .option('--analysis <unit>', "the tests' unit: user (what the monitor does) or request (every request independent, to see why not)", 'user')
    .option('--json', 'JSON output')
    .action((o: SimulateOptions) => {
      const { race, fx } = pickRace(o);
      const users = userModel(o);
      const started = performance.now();
      const report = simulate({
        race, fx,
        effects: parseEffects(o.effect),
        trafficRps: parseTraffic(o.traffic),
        runs: positive('runs', o.runs, true),
        hours: positive('hours', o.hours, false),
        intervalMs: parseInterval(o.interval),
        seed: Number(o.seed) | 0,
        ...(o.naive ? { method: fixedHorizonInterval } : {}),
        ...(users ? { users, analysis: o.analysis as 'user' | 'request' } : {}),
      });
      const seconds = (performance.now() - started) / 1000;
      if (o.json) return void process.stdout.write(`${JSON.stringify({ ...report, naive: o.naive === true, seconds }, null, 2)}\n`);
      const challengers = race.challengers.map((c) => c.contender);
      const opts = report.options;
      const who = users ? `${users.count} ${users.activity} users (spread ${users.spread}), ${o.analysis === 'user' ? `users as the unit${race.policy.user_request_cap > 0 ? ` (each weighing at most ${race.policy.user_request_cap} requests)` : ''}, adjusted by ${users.preHours ?? 0} h of pre-race history` : 'requests as the unit'}` : 'independent requests';
      process.stdout.write(`race ${race.name} (${race.policy.type}${o.naive ? ', naive fixed-horizon test' : ''}): ${challengers.length} challenger${challengers.length > 1 ? 's' : ''}, ${opts.trafficRps} rps for ${opts.hours} h, monitor every ${opts.intervalMs / 1000} s, ${opts.runs} runs per scenario, ${who}\n\n`);
      const effectLabel = Object.entries(opts.effects).map(([k, v]) => `${k}=${v}`).join(', ');
      const rows = [row('no effect', report.noEffect, challengers)];
      if (report.withEffect) rows.push(row(effectLabel, report.withEffect, challengers));
      process.stdout.write(renderTable(['scenario', 'runs', 'rolled back', 'promoted', 'SRM alert', 'detect p50', 'detect p90', 'challenger share at end'], rows));
      const [lo, hi] = wilson(report.noEffect.rolledBack, report.noEffect.runs);
      const [plo, phi] = report.noEffect.promotedCi;
      process.stdout.write(`\nfalse-rollback rate (no effect): ${percent(report.noEffect.rolledBack, report.noEffect.runs)} (95 % CI ${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)} %), false promotions ${percent(report.noEffect.promoted, report.noEffect.runs)} (95 % CI ${(100 * plo).toFixed(1)}–${(100 * phi).toFixed(1)} %), policy alpha ${race.policy.alpha}\n`);
      if (report.withEffect?.detectMinutes) {
        const [a, b] = report.withEffect.detectMinutes.medianCi;
        process.stdout.write(`with the effect: ${percent(report.withEffect.rolledBack, report.withEffect.runs)} rolled back, median time to detect ${duration(report.withEffect.detectMinutes.median)} (95 % CI ${duration(a)}–${duration(b)})\n`);
      }
      process.stdout.write(`detect = first rollback or promotion; baselines and effect units: docs/racing.md (${seconds.toFixed(1)} s)\n`);
    });
}
