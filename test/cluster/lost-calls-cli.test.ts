/**
 * A clustered `saima eval run` journals each budgeted call in the shared store before sending it, like a replica:
 * killed with -9 while its calls are with the upstream, a live replica logs each as `lost` (source `eval`, the run's
 * team) at its reservation and charges the shared budget, so money the CLI sent is never admitted again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.js';
import { CLI_ARGS } from '../support/cli.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { clusterEnv, replicaDoc, startReplicas } from './cluster-harness.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test("a killed eval run's in-flight calls are logged lost by a live replica and counted by the budget", async (t) => {
  const env = await clusterEnv(t);
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 5_000 });
  t.after(() => up.close());
  const doc = {
    contenders: { x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', price: { input: 0, output: 100, currency: 'CNY' } } },
    budgets: { all: { limit: 100, currency: 'CNY', period: 'month' } },
    teams: { research: {} },
  };
  await startReplicas(t, env, doc, 1);
  const dir = mkdtempSync(join(tmpdir(), 'saima-cli-lost-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify(replicaDoc(env, doc)));
  const cli = spawn(process.execPath, [...CLI_ARGS, 'eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '8', '--team', 'research', '--no-progress', '--config', cfg], { stdio: 'ignore' });
  t.after(() => void (cli.exitCode === null && cli.signalCode === null && cli.kill('SIGKILL')));
  for (let i = 0; i < 600 && up.requests.length < 8; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(up.requests.length, 8, 'eight calls are with the upstream');
  cli.kill('SIGKILL');

  const store = await openStore(env.storeUrl);
  t.after(() => store.close());
  const lost = async () =>
    (await sql<{ n: string; spent: string; team: string | null }>`select count(*) as n, coalesce(sum(cost_nanos), 0) as spent, min(team) as team from requests where outcome = 'lost' and source = 'eval'`.execute(store.db)).rows[0]!;
  const t0 = Date.now();
  let l = await lost();
  while (Number(l.n) < 8 && Date.now() - t0 < 20_000) {
    await new Promise((r) => setTimeout(r, 250));
    l = await lost();
  }
  console.log(`lost eval rows ${l.n} after ${Date.now() - t0} ms; upstream served ${up.requests.length}`);
  assert.equal(Number(l.n), up.requests.length, 'upstream calls served = rows + lost rows');
  assert.equal(l.team, 'research');
  const key = (await env.redis.keys(`${env.prefix}budget:all:*`)).find((k) => !k.endsWith(':holds'))!;
  const spent = async () => Number(await env.redis.hget(key, 'spent'));
  for (let i = 0; i < 40 && (await spent()) < Number(l.spent); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await spent(), Number(l.spent), 'the shared budget counts the lost calls');
  assert.ok(Number(l.spent) > 0);
});
