/**
 * An eval's reservations follow what the upstream bills against our prompt estimate: against an upstream whose
 * tokenizer bills 3× our count, at concurrency 16 and prices where the prompt is the cost, `--max-cost` holds (the
 * run stops short of its cap, never past it) once the first calls have settled.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli } from '../support/cli.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test('--max-cost holds against an upstream that bills 3x our prompt estimate', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', promptScale: 3, delayMs: 30 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-cap-calibration-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.json');
  // 1000 CNY per million prompt tokens, output free: a call's cost is its prompt (about 60 of our tokens, billed 180).
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', price: { input: 1000, output: 0, currency: 'CNY' } };
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: contender } }));
  const res = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--samples', '4', '--concurrency', '16', '--max-cost', '15CNY', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(res.code, 3, res.stderr);
  const billed = up.billedPrompt * 1000 * 1000; // nanos: tokens × 1000 CNY / 1e6 × 1e9
  console.log(`${up.requests.length} calls of 256, billed ${billed / 1e9} CNY for a 15 CNY cap`);
  assert.ok(billed <= 15e9, `billed ${billed / 1e9} CNY for a 15 CNY cap`);
  assert.ok(billed > 14e9, `stopped near it: ${billed / 1e9}`);
});
