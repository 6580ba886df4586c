/**
 * Every call Saima makes pays from the same budgets, clustered: three replicas (PostgreSQL + Redis) serve traffic
 * while a `saima eval run` in another process pays from the same Redis budget windows through the same reserve and
 * settle scripts. A budget sized for 25 calls: settled spend ≤ limit + one call's maximum, the eval stops short.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli } from '../support/cli.js';
import { clusterEnv, replicaDoc, roundRobin, startReplicas } from './cluster-harness.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
const CALL_MAX = 0.04e9;
const LIMIT = 1e9;

test('an eval run and three replicas at once stay within one shared budget', async (t) => {
  const env = await clusterEnv(t);
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, delayMs: 150 });
  t.after(() => up.close());
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', max_output_tokens: 400, price: { input: 0, output: 100, currency: 'CNY' } };
  const doc = { contenders: { x: contender }, budgets: { all: { limit: LIMIT / 1e9, currency: 'CNY', period: 'month' } }, teams: { research: {} } };
  const replicas = await startReplicas(t, env, doc, 3);
  const dir = mkdtempSync(join(tmpdir(), 'saima-cli-budget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify(replicaDoc(env, doc)));

  const evalRun = runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '16', '--team', 'research', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  const started = Date.now();
  while (up.requests.length === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
  const client = roundRobin(replicas);
  let served = 0;
  let refused = 0;
  const one = async () => {
    try {
      await client().chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 400 });
      served++;
    } catch (err) {
      assert.equal((err as { status?: number }).status, 429, String(err));
      refused++;
    }
  };
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 12 }, one));
  const res = await evalRun;
  assert.equal(res.code, 3, `the eval stops short (exit 3): ${res.stderr}`);
  assert.match(res.stderr, /budget 'all' would be exceeded/);
  const billed = up.billedCompletion * 100 * 1000;
  const evalCalls = up.requests.length - served;
  console.log(`3 replicas: eval calls ${evalCalls}, gateway served ${served} (refused ${refused}); billed ${billed / 1e9} CNY of a ${LIMIT / 1e9} CNY budget`);
  assert.ok(evalCalls > 0 && served > 0, 'both the eval and the replicas were paid for');
  assert.ok(billed <= LIMIT + CALL_MAX, `settled spend ${billed / 1e9} CNY ≤ limit + one call's maximum`);
  const spent = Number(await env.redis.hget((await env.redis.keys(`${env.prefix}budget:all:*`)).find((k) => !k.endsWith(':holds'))!, 'spent'));
  assert.equal(spent, billed, 'the shared window counts the eval and the replicas alike');
});
