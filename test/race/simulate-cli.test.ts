/**
 * `saima simulate` from the command line: a race read from a config file, an effect that breaks a guardrail is
 * caught in every run within minutes, the report names the false-rollback rate, and bad input fails in one line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';

const YAML = `
store: sqlite:unused.db
contenders:
  old: { provider: mock, model: old, mock: {} }
  new: { provider: mock, model: new, mock: {} }
races:
  assistant:
    champion: old
    challengers: [{ contender: new, weight: 5 }]
    policy: { type: canary, ramp: [5, 25, 50], min_samples: 100, min_step_s: 60 }
`;

test('simulate a configured race: JSON numbers, text report, one-line errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-sim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'saima.yaml');
  writeFileSync(file, YAML);

  const json = await runCli(['simulate', '--race', 'assistant', '--config', file, '--effect', 'error_rate=0.05', '--traffic', '20rps', '--runs', '100', '--hours', '2', '--users', '0', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { options: { race: string; policy: string }; noEffect: { runs: number; rolledBack: number }; withEffect: { rolledBack: number; detectMinutes: { median: number; p90: number }; finalWeights: Record<string, number> } };
  assert.deepEqual([report.options.race, report.options.policy], ['assistant', 'canary']);
  assert.equal(report.noEffect.runs, 100);
  assert.ok(report.noEffect.rolledBack <= 10);
  // 1 % → 6 % errors at 5 % of 20 rps: every run rolls back, within the first few minutes.
  assert.equal(report.withEffect.rolledBack, 100);
  assert.ok(report.withEffect.detectMinutes.p90 <= 15, JSON.stringify(report.withEffect.detectMinutes));
  assert.equal(report.withEffect.finalWeights.new, 0);

  // Users by default: 2,000 with skewed activity, each sticky in the lane the router gives them.
  const users = await runCli(['simulate', '--race', 'assistant', '--config', file, '--effect', 'error_rate=0.05', '--runs', '20', '--hours', '2', '--interval', '5m', '--json']);
  assert.equal(users.code, 0, users.stderr);
  const ur = JSON.parse(users.stdout) as { options: { users: { count: number; activity: string; spread: number; preHours: number }; analysis: string }; withEffect: { rolledBack: number; rolledBackCi: [number, number] } };
  // ... each with a week of history on the champion before the race, which the tests adjust by.
  assert.deepEqual(ur.options.users, { count: 2000, activity: 'skewed', spread: 0.3, preHours: 168 });
  assert.equal(ur.options.analysis, 'user');
  assert.ok(ur.withEffect.rolledBack >= 18, `rolled back ${ur.withEffect.rolledBack} of 20`);
  assert.ok(ur.withEffect.rolledBackCi[0] < ur.withEffect.rolledBack / 20 && ur.withEffect.rolledBackCi[1] <= 1);

  const text = await runCli(['simulate', '--effect', 'feedback=0.1', '--runs', '20', '--hours', '1', '--users', '200', '--activity', 'equal']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^race assistant \(canary\): 1 challenger, 20 rps for 1 h, monitor every 60 s, 20 runs per scenario, 200 equal users \(spread 0\.3\), users as the unit \(each weighing at most 300 requests\)/);
  assert.match(text.stdout, /scenario\s+runs\s+rolled back\s+promoted/);
  assert.match(text.stdout, /^feedback=0\.1\s+20 /m);
  assert.match(text.stdout, /false-rollback rate \(no effect\): \d+\.\d %/);

  const bad = await runCli(['simulate', '--effect', 'speed=2']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^saima: --effect speed=2: expected METRIC=NUMBER/);
  const shape = await runCli(['simulate', '--activity', 'bursty']);
  assert.equal(shape.code, 1);
  assert.match(shape.stderr, /^saima: --activity bursty: expected one of equal, skewed, heavy/);
  const pre = await runCli(['simulate', '--pre-hours', '-1']);
  assert.match(pre.stderr, /^saima: --pre-hours -1: expected a number of hours ≥ 0/);
});

test('a bandit rolls back a challenger 5 feedback points worse, and leaves an identical one alone', async (t) => {
  // Feedback is the bandit's primary metric: Thompson sampling took the traffic away from this challenger before
  // its harm test could decide, and at a 1 % floor among 200 users its lane held too few for a test. It was
  // never rolled back (0 of 20 with this seed); the guard floor and the stint's evidence now roll it back.
  const dir = mkdtempSync(join(tmpdir(), 'saima-sim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'saima.yaml');
  writeFileSync(file, YAML.replace('weight: 5 }]', 'weight: 1 }]').replace(/policy: \{[^\n]*\}/, 'policy: { type: bandit }'));
  const run = await runCli(['simulate', '--race', 'assistant', '--config', file, '--effect', 'feedback=-0.05', '--users', '200', '--activity', 'equal', '--runs', '20', '--hours', '24', '--interval', '5m', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { options: { policy: string }; noEffect: { rolledBack: number; promoted: number }; withEffect: { rolledBack: number; detectMinutes: { p90: number }; finalWeights: Record<string, number> } };
  assert.equal(report.options.policy, 'bandit');
  assert.equal(report.withEffect.rolledBack, 20);
  assert.ok(report.withEffect.detectMinutes.p90 <= 24 * 60);
  assert.equal(report.withEffect.finalWeights.new, 0);
  assert.deepEqual([report.noEffect.rolledBack, report.noEffect.promoted], [0, 0]);
});
