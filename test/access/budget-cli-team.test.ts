/**
 * Team budgets cannot be escaped by leaving `--team` out: while one exists, an eval run (or gate, or arena judging
 * run) without `--team` or `--key` is refused with one line before any call, and `--no-team` runs outside every
 * team's budget on purpose. A run stored without a team resumes beside a team budget only with `--no-team`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { CALL_MAX, cliBudgetSetup as setup, SUITE } from '../support/cli-budget-setup.js';

const LIMIT = 1e9;

test('a run without --team is refused while team budgets exist; --no-team opts out on purpose', async (t) => {
  const { up, cfg, write } = await setup(t);
  write({ 'research-daily': { team: 'research', period: 'day', limit: LIMIT / 1e9, currency: 'CNY' } });
  const evalArgs = ['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '16', '--json', '--no-progress', '--config', cfg];

  const bare = await runCli(evalArgs);
  assert.equal(bare.code, 1, bare.stderr);
  assert.equal(bare.stderr.trim().split('\n').length, 1, `one line: ${bare.stderr}`);
  assert.match(bare.stderr, /^saima: team budgets exist \(research-daily\): pass --team TEAM or --key ID, or --no-team to run outside every team's budget$/m);
  const gate = await runCli(['gate', 'r', 'x', '--suites', SUITE, '--no-progress', '--config', cfg]);
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, /team budgets exist \(research-daily\)/);
  const judge = await runCli(['arena', 'judge', '--race', 'r', '--prompts', SUITE, '--judge', 'x', '--config', cfg]);
  assert.equal(judge.code, 1);
  assert.match(judge.stderr, /team budgets exist \(research-daily\)/);
  assert.equal(up.requests.length, 0, 'nothing was sent');

  // With --team the team's budget holds; with --no-team the calls are outside it, on purpose.
  const team = await runCli([...evalArgs, '--team', 'research'], { timeoutMs: 60_000 });
  assert.equal(team.code, 3, team.stderr);
  assert.match(team.stderr, /budget 'research-daily' would be exceeded/);
  assert.ok(up.billedCompletion * 100 * 1000 <= LIMIT + CALL_MAX);
  const before = up.requests.length;
  const outside = await runCli([...evalArgs, '--no-team', '--fresh'], { timeoutMs: 60_000 });
  assert.equal(outside.code, 0, outside.stderr);
  assert.equal(up.requests.length - before, 64, 'every call of the suite, outside the team budget');
});

test('a run stored without a team resumes outside a team budget only when told so', async (t) => {
  const { up, cfg, write } = await setup(t);
  // Made while no team budget existed: no team, and no --no-team needed.
  write({});
  const first = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '4', '--max-cost', '0.2CNY', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(first.code, 3, first.stderr);
  const runId = /run (\S+):/.exec(first.stderr)?.[1];
  assert.ok(runId, first.stderr);
  write({ 'research-daily': { team: 'research', period: 'day', limit: LIMIT / 1e9, currency: 'CNY' } });
  const sent = up.requests.length;

  const refused = await runCli(['eval', 'resume', runId, '--max-cost', '10CNY', '--json', '--no-progress', '--config', cfg]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`run ${runId} has no team and team budgets exist \\(research-daily\\): resume with --no-team`));
  assert.equal(up.requests.length, sent, 'nothing was sent');
  const resumed = await runCli(['eval', 'resume', runId, '--no-team', '--max-cost', '10CNY', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(up.requests.length, 64, 'the rest of the run, outside the team budget on purpose');
});
