/**
 * `saima arena judge` pays from the budgets: each answer and judge call is reserved at its maximum before it is
 * sent (a judge call is sent with the output cap it was reserved at), and when the budget on the judge refuses, the
 * run stops with what it judged stored, says why and exits 1. Its rows carry source `judge` and the run's team.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../support/cli.js';
import { prefers, startFakeJudge } from '../support/fake-judge-upstream.js';
import { mockContender } from '../support/gateway.js';

test('an arena judging run stops when the budget on its judge is spent, never past it', async (t) => {
  const judge = await startFakeJudge(prefers('Paris'), { delayMs: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'saima-judge-budget-'));
  t.after(async () => {
    await judge.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = join(dir, 'saima.yaml');
  // The fake judge bills 10 output tokens a call (0.01 CNY at 1000 CNY per million); a call may write up to 100
  // (max_output_tokens), so it is reserved at 0.1 CNY. A budget of 0.3 CNY pays for fewer than the 40 calls asked,
  // and a run refused a reservation stops there (it may stop short, never spend past).
  writeFileSync(config, JSON.stringify({
    auth: { mode: 'none' },
    store: `sqlite:${join(dir, 'saima.db')}`,
    teams: { research: {} },
    contenders: {
      right: mockContender('right', { default_answer: 'Paris.' }),
      wrong: mockContender('wrong', { default_answer: 'Lyon.' }),
      judge: { provider: 'openai', base_url: judge.url, api_key: 'sk-test-judge-key', model: 'judge-1', max_output_tokens: 100, price: { input: 0, output: 1000 } },
    },
    races: { r: { champion: 'right', challengers: [{ contender: 'wrong', weight: 50 }] } },
    budgets: { judging: { contender: 'judge', period: 'day', limit: 0.3, currency: 'CNY' } },
  }));
  const prompts = join(dir, 'prompts.jsonl');
  writeFileSync(prompts, `${JSON.stringify({ prompt: 'Capital of France?' })}\n`);
  const run = await runCli(['arena', 'judge', '--race', 'r', '--prompts', prompts, '--judge', 'judge', '--n', '20', '--concurrency', '1', '--team', 'research', '--json', '-c', config]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /stopped after \d+ of 20 battles: judge call refused: Budget 'judging' is spent/);
  const db = new Database(join(dir, 'saima.db'), { readonly: true });
  t.after(() => db.close());
  const judged = db.prepare("select count(*) as n, sum(cost_nanos) as spent, min(team) as team, min(output_cap) as cap from requests where source = 'judge'").get() as { n: number; spent: number; team: string; cap: number };
  console.log(`judge calls ${judge.requests.length} of 40 asked, spent ${judged.spent / 1e9} CNY of 0.3`);
  assert.ok(judge.requests.length < 40, 'the run stopped short');
  assert.equal(judged.n, judge.requests.length, 'every judge call has its row');
  assert.ok(judged.spent <= 0.3e9, `spent ${judged.spent / 1e9} CNY of a 0.3 CNY budget`);
  // One battle at a time, its two games together: a battle starts while spent + two calls' maximum (0.2) fit.
  assert.ok(judged.spent > 0.09e9, `and stopped once two more calls could not fit: ${judged.spent / 1e9}`);
  assert.equal(judged.team, 'research');
  assert.equal(judged.cap, 100, 'judge calls are sent with the cap they were reserved at');
  const summary = JSON.parse(run.stdout) as { battles: number; stopped: string };
  assert.ok(summary.battles > 0 && summary.battles < 20, `judged ${summary.battles} battles before the stop`);
  assert.match(summary.stopped, /Budget 'judging'/);
});
