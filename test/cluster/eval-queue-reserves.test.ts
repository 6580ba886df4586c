/**
 * A queued eval's calls are reserved before they are sent, on the run's `--max-cost` (held in its Redis tally,
 * shared by every worker) and on the budgets (the replicas' Redis windows). Against an upstream whose cost jumps once
 * a run has measured it cheap, with 16 calls in flight on one worker, the run stops short of its cap, never past it,
 * and the shared budget window counts every call the worker made.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_ARGS, runCli } from '../support/cli.js';
import { storeUrlFor } from '../support/databases.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { clusterEnv } from './cluster-harness.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test('queued eval workers reserve each call on the run cap and the budgets before sending it', async (t) => {
  const env = await clusterEnv(t);
  const storeUrl = await storeUrlFor('postgres', t);
  // The suite asks max_tokens 400; the contender's quirk sends it as max_completion_tokens, which this upstream
  // ignores: only a call sent with its reserved cap in max_tokens stays within 0.04 CNY.
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, cheapFirst: 8, delayMs: 50 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-queue-cap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.json');
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', quirks: { max_tokens_field: 'max_tokens' }, price: { input: 0, output: 100, currency: 'CNY' } };
  writeFileSync(cfg, JSON.stringify({ store: storeUrl, redis: env.redisUrl, contenders: { x: contender }, budgets: { all: { limit: 50, period: 'month' } } }));
  const worker = spawn(process.execPath, [...CLI_ARGS, 'worker', '--config', cfg, '--concurrency', '16'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let workerErr = '';
  worker.stderr!.on('data', (d: Buffer) => (workerErr += d.toString()));
  t.after(() => void (worker.exitCode === null && worker.signalCode === null && worker.kill('SIGKILL')));
  await new Promise<void>((resolve, reject) => {
    worker.stderr!.on('data', () => workerErr.includes('taking eval jobs') && resolve());
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${workerErr}`)));
  });
  const res = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--queue', '--max-cost', '1CNY', '--no-progress', '--json', '--config', cfg], { timeoutMs: 90_000 });
  assert.equal(res.code, 3, `stopped by its cap: ${res.stderr}`);
  assert.match(res.stderr, /cost cap reached/);
  // Let calls in flight land.
  let seen = -1;
  while (seen !== up.requests.length) {
    seen = up.requests.length;
    await new Promise((r) => setTimeout(r, 400));
  }
  const billed = up.billedCompletion * 100 * 1000;
  console.log(`queued run: ${up.requests.length} calls, billed ${billed / 1e9} CNY for a 1 CNY cap`);
  assert.ok(billed <= 1e9, `billed ${billed / 1e9} CNY for a 1 CNY cap`);
  assert.ok(billed > 0.8e9, `stopped near its cap: ${billed / 1e9}`);
  assert.ok(up.requests.every((b) => b.max_tokens === 400 && b.max_completion_tokens === undefined), 'each call sent the cap it was reserved at');
  const key = (await env.redis.keys(`${env.prefix}budget:all:*`)).find((k) => !k.endsWith(':holds'));
  assert.ok(key, 'the budget window exists');
  assert.equal(Number(await env.redis.hget(key, 'spent')), billed, 'the budget counts every call the worker made');
  assert.equal(Number(await env.redis.hget(key, 'reserved')), 0, 'and holds nothing after');
  worker.kill('SIGTERM');
});
