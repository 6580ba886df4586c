/**
 * Every call Saima makes pays from the same budgets. On one node (SQLite), a running gateway and a `saima eval run`
 * in another process share one budget sized for 25 calls: the eval's calls are claims the gateway decides against
 * its live budget, so gateway traffic and the eval together stop at the limit (settled spend ≤ limit + one call's
 * maximum), the eval stops short with the budget as its reason, and its rows carry source and team. Then, with no
 * gateway running, a second eval decides its claims alone from the log and is refused at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
/** 400 output tokens at 100 CNY per million: the most one call can cost (prompts are priced 0). */
const CALL_MAX = 0.04e9;
const LIMIT = 1e9;

test('an eval run and gateway traffic at once stay within one budget on a single node', async (t) => {
  // Honours max_tokens, writes 10,000 tokens when uncapped: only a call sent with its reserved cap costs ≤ CALL_MAX.
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, delayMs: 150 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-cli-budget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', max_output_tokens: 400, price: { input: 0, output: 100, currency: 'CNY' } };
  const budgets = { all: { limit: LIMIT / 1e9, currency: 'CNY', period: 'month' } };
  const teams = { research: {} };
  const gw = await startTestGateway(t, { contenders: { x: contender }, budgets, teams });
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${gw.dbFile}`, contenders: { x: contender }, budgets, teams }));

  const evalRun = runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '16', '--team', 'research', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  // Gateway traffic while the eval runs (from its first call on): 60 requests, 12 at a time.
  const started = Date.now();
  while (up.requests.length === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
  let served = 0;
  let refused = 0;
  const one = async () => {
    try {
      await gw.client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 400 });
      served++;
    } catch (err) {
      assert.equal((err as { status?: number }).status, 429, String(err));
      refused++;
    }
  };
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 12 }, one));
  const res = await evalRun;
  assert.equal(res.code, 3, `the eval stops short (exit 3): ${res.stderr}`);
  console.log(res.stderr.trim().split('\n').slice(-2).join(' / '));
  assert.match(res.stderr, /budget 'all' would be exceeded/);

  const billed = up.billedCompletion * 100 * 1000;
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const evalCalls = (db.prepare('select count(*) as n, coalesce(sum(cost_nanos), 0) as c from eval_results').get() as { n: number; c: number });
  const gatewayRows = (db.prepare("select count(*) as n, coalesce(sum(cost_nanos), 0) as c from requests where source = 'gateway' and status = 200").get() as { n: number; c: number });
  console.log(`eval calls ${evalCalls.n}, gateway served ${served} (refused ${refused}); billed ${billed / 1e9} CNY of a ${LIMIT / 1e9} CNY budget`);
  assert.ok(evalCalls.n > 0 && served > 0, 'both the eval and the gateway were paid for');
  assert.ok(refused > 0, 'the gateway refused once the budget was spent');
  assert.ok(billed <= LIMIT + CALL_MAX, `settled spend ${billed / 1e9} CNY ≤ limit + one call's maximum`);
  assert.equal(evalCalls.c + gatewayRows.c, billed, 'the logs say what the upstream billed');
  assert.ok(up.requests.every((b) => b.max_tokens === 400), 'every call was sent with the cap it was reserved at');

  // Spend reports show the eval under its source and team.
  const spend = await runCli(['spend', '--by', 'source,team', '--since', '1d', '--json', '--config', cfg]);
  assert.equal(spend.code, 0, spend.stderr);
  const groups = (JSON.parse(spend.stdout) as { data: Array<{ key: Record<string, string | null>; requests: number }> }).data;
  assert.equal(groups.find((g) => g.key.source === 'eval' && g.key.team === 'research')?.requests, evalCalls.n);

  // No gateway: the next eval decides its claims alone, from the log (eval rows included), and may not start.
  await gw.gw.close();
  const again = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--fresh', '--json', '--no-progress', '--config', cfg], { timeoutMs: 30_000 });
  assert.equal(again.code, 3, again.stderr);
  assert.match(again.stderr, /budget 'all' would be exceeded/);
  assert.equal(up.billedCompletion * 100 * 1000, billed, 'nothing more was sent upstream');
});
