/**
 * A gateway paused past the claimants' 3 s (SIGSTOP here; a long GC or a blocked event loop alike) while a
 * `saima eval run` decides its claims alone: on resuming, the gateway must not admit from the ledger it had before
 * the pause. Requests queued during the pause and the eval's own calls, before and after the resume, share one
 * budget sized for 25 calls: settled spend ≤ limit + one call's maximum.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { budgetSpendRows } from '../../src/metering/budget-spend.js';
import { openStore } from '../../src/store/index.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli, serveChild } from '../support/cli.js';
import { gatewayCalls } from '../support/cli-budget-setup.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
/** 400 output tokens at 100 CNY per million: the most one call can cost (prompts are priced 0). */
const CALL_MAX = 0.04e9;
const LIMIT = 1e9;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of testDialects()) test(`a gateway paused past 3 s does not admit from stale budgets while an eval decided alone (${dialect})`, async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, delayMs: 150 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-paused-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await storeUrlFor(dialect, t);
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', max_output_tokens: 400, price: { input: 0, output: 100, currency: 'CNY' } };
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify({
    server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, store, store_options: { spool_path: join(dir, 'spool.jsonl') }, contenders: { x: contender },
    budgets: { all: { limit: LIMIT / 1e9, currency: 'CNY', period: 'month' } }, monitor: { enabled: false },
  }));
  const gw = await serveChild(t, cfg);
  const pid = gw.child.pid!;
  // The gateway has arbitrated (beaten) before it stops.
  await sleep(1500);
  process.kill(pid, 'SIGSTOP');
  let stopped = true;
  t.after(() => void (stopped && process.kill(pid, 'SIGCONT')));

  // 40 requests queue up in the paused gateway's socket.
  const { counts, one } = gatewayCalls(gw.url);
  const queued = Array.from({ length: 40 }, one);
  // No beat for over 3 s: the eval's claims are decided alone, from the log and the open holds.
  await sleep(3500);
  const evalRun = runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '4', '--json', '--no-progress', '--config', cfg], { timeoutMs: 90_000 });
  const started = Date.now();
  while (up.requests.length < 8 && Date.now() - started < 40_000) await sleep(10);
  // The gateway wakes up with a third of the budget spent by the eval while it slept, and the eval still running.
  await sleep(400);
  process.kill(pid, 'SIGCONT');
  stopped = false;
  await Promise.all(queued);
  const res = await evalRun;
  assert.equal(res.code, 3, `the eval stops short (exit 3): ${res.stderr}`);

  const billed = up.billedCompletion * 100 * 1000;
  const evalCalls = up.requests.length - counts.served;
  console.log(`paused gateway: eval calls ${evalCalls}, gateway served ${counts.served} (refused ${counts.refused}); billed ${billed / 1e9} CNY of a ${LIMIT / 1e9} CNY budget`);
  assert.ok(evalCalls > 0, 'the eval was paid for');
  assert.ok(billed <= LIMIT + CALL_MAX, `settled spend ${billed / 1e9} CNY ≤ limit + one call's maximum`);
  // Every call is in the logs.
  const st = await openStore(store);
  t.after(() => st.close());
  const logged = (await budgetSpendRows(st, 0)).reduce((sum, r) => sum + r.costNanos, 0);
  assert.equal(logged, billed, 'the logs say what the upstream billed');
  // The gateway's own budget (its gauge) counts every call, the eval's made while it was stopped included.
  await sleep(500);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const gauge = Number(/^saima_budget_spent\{budget="all",currency="CNY"\} (\S+)$/m.exec(metrics)?.[1]);
  assert.equal(Math.round(gauge * 1e9), logged, `the gateway counts ${gauge} CNY, the logs ${logged / 1e9}`);
});
