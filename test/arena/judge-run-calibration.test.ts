/**
 * `saima arena judge` reserves its answer calls at the prompt estimate times what the upstream has billed against
 * our estimates so far (prompt calibration, as for the gateway's and eval calls). Against an upstream whose
 * tokenizer bills 3× our count, at 8 battles in flight and prices where the prompt is the cost, a race budget
 * holds: settled spend ≤ limit + one call's maximum. When the budget refuses, the run sends nothing new, lets the
 * calls in flight finish (each is logged and paid), says how many battles were judged, refused and failed, and
 * exits 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';

const LIMIT = 3e9;

test('an arena judging run learns prompt calibration, waits for its calls in flight and reports its refusals', async (t) => {
  const up = await startBillingUpstream({ promptScale: 3, uncappedTokens: 5, delayMs: 100 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-judge-calibration-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'saima.json');
  // 1000 CNY per million prompt tokens, output free: an answer call costs its prompt (about 40 of our tokens,
  // billed 120: 0.12 CNY), reserved at 0.04 CNY until calibration has seen a call of the contender.
  const answerer = (model: string) => ({ provider: 'openai', base_url: up.url, api_key: 'sk-test', model, max_output_tokens: 50, price: { input: 1000, output: 0, currency: 'CNY' } });
  writeFileSync(config, JSON.stringify({
    auth: { mode: 'none' },
    store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: { a: answerer('a'), b: answerer('b'), judge: mockContender('judge', { default_answer: 'A is better. [[A]]' }, { price: { input: 0, output: 0, currency: 'CNY' } }) },
    races: { r: { champion: 'a', challengers: [{ contender: 'b', weight: 50 }] } },
    budgets: { arena: { race: 'r', period: 'day', limit: LIMIT / 1e9, currency: 'CNY' } },
  }));
  const prompts = join(dir, 'prompts.jsonl');
  writeFileSync(prompts, Array.from({ length: 100 }, (_, i) => JSON.stringify({ prompt: `Question ${i}: a farmer has ${i} sheep and buys ${i + 3} more at the market on a sunny morning. How many sheep does the farmer have now, and why?` })).join('\n'));
  const run = await runCli(['arena', 'judge', '--race', 'r', '--prompts', prompts, '--judge', 'judge', '--n', '100', '--concurrency', '8', '--json', '-c', config], { timeoutMs: 90_000 });
  const summary = JSON.parse(run.stdout) as { battles: number; refused: number; stopped: string };
  const billed = up.billedPrompt * 1000 * 1000; // nanos: tokens × 1000 CNY / 1e6 × 1e9
  const db = new Database(join(dir, 'saima.db'), { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare("select count(*) as n, coalesce(sum(cost_nanos), 0) as c, max(cost_nanos) as most from requests where source = 'arena'").get() as { n: number; c: number; most: number };
  console.log(`${up.requests.length} answer calls, ${summary.battles} battles judged, ${summary.refused} refused; billed ${billed / 1e9} CNY of a ${LIMIT / 1e9} CNY budget`);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /stopped after \d+ of 100 battles: Budget 'arena' is spent for this period\.; judged \d+, refused [1-9]\d*, failed 0, not started \d+/);
  assert.ok(summary.battles > 0 && summary.refused > 0, 'judged some battles, then refused');
  assert.equal(rows.n, up.requests.length, 'every answer call sent (those in flight at the refusal included) has its row');
  assert.equal(rows.c, billed, 'the log says what the upstream billed');
  assert.ok(billed <= LIMIT + rows.most, `settled spend ${billed / 1e9} CNY ≤ limit + one call's cost (${rows.most / 1e9})`);
});
