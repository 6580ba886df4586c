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

  const json = await runCli(['simulate', '--race', 'assistant', '--config', file, '--effect', 'error_rate=0.05', '--traffic', '20rps', '--runs', '100', '--hours', '2', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { options: { race: string; policy: string }; noEffect: { runs: number; rolledBack: number }; withEffect: { rolledBack: number; detectMinutes: { median: number; p90: number }; finalWeights: Record<string, number> } };
  assert.deepEqual([report.options.race, report.options.policy], ['assistant', 'canary']);
  assert.equal(report.noEffect.runs, 100);
  assert.ok(report.noEffect.rolledBack <= 10);
  // 1 % → 6 % errors at 5 % of 20 rps: every run rolls back, within the first few minutes.
  assert.equal(report.withEffect.rolledBack, 100);
  assert.ok(report.withEffect.detectMinutes.p90 <= 15, JSON.stringify(report.withEffect.detectMinutes));
  assert.equal(report.withEffect.finalWeights.new, 0);

  const text = await runCli(['simulate', '--effect', 'feedback=0.1', '--runs', '20', '--hours', '1']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^race assistant \(canary\): 1 challenger, 20 rps for 1 h, monitor every 60 s, 20 runs per scenario/);
  assert.match(text.stdout, /scenario\s+runs\s+rolled back\s+promoted/);
  assert.match(text.stdout, /^feedback=0\.1\s+20 /m);
  assert.match(text.stdout, /false-rollback rate \(no effect\): \d+\.\d %/);

  const bad = await runCli(['simulate', '--effect', 'speed=2']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^saima: --effect speed=2: expected METRIC=NUMBER/);
});
