/**
 * `--max-cost` reserves each call's maximum before sending it. Against an upstream whose per-call cost jumps once the
 * run has measured it cheap (one token for the first calls, then whatever no cap stops: 10,000 tokens), at
 * concurrency 64, the run stops short of its cap and never past it; every call carries the output cap it was
 * reserved at. `eval resume --max-cost` raises the cap for the calls it makes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EvalReport } from '../../src/eval/report.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli } from '../support/cli.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test('a cost jump mid-run cannot carry an eval past --max-cost, and resume --max-cost raises it', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, cheapFirst: 8, delayMs: 20 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-cap-jump-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.yaml');
  // The suite asks max_tokens 400, sent as max_completion_tokens (the quirk) to an upstream that reads only
  // max_tokens: it writes 10,000 tokens unless the one field it reads carries the cap. 100 CNY per million output
  // tokens: a call capped at 400 tokens costs at most 0.04 CNY.
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', quirks: { max_tokens_field: 'max_tokens' }, price: { input: 0, output: 100, currency: 'CNY' } };
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: contender } }));
  const res = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--concurrency', '64', '--max-cost', '1CNY', '--json', '--no-progress', '--config', cfg]);
  assert.equal(res.code, 3, res.stderr);
  const report = JSON.parse(res.stdout) as EvalReport;
  const spent = report.contenders[0]!.cost.cnyNanos;
  assert.ok(spent <= 1e9, `spent ${spent / 1e9} CNY for a 1 CNY cap`);
  assert.ok(spent > 0.9e9, `stopped within one call's maximum of the cap: ${spent / 1e9}`);
  assert.ok(up.requests.every((b) => b.max_tokens === 400 && b.max_completion_tokens === undefined), 'each call sent the cap it was reserved at');
  assert.equal(up.billedCompletion * 100 * 1000, spent, 'the report is what the upstream billed');

  const again = await runCli(['eval', 'resume', report.run.id, '--max-cost', '2CNY', '--json', '--no-progress', '--config', cfg]);
  assert.equal(again.code, 3, again.stderr);
  const total = (JSON.parse(again.stdout) as EvalReport).contenders[0]!.cost.cnyNanos;
  assert.ok(total > 1.9e9 && total <= 2e9, `the resumed run spent ${total / 1e9} CNY of its new 2 CNY cap`);
  const bad = await runCli(['eval', 'resume', report.run.id, '--max-cost', 'lots', '--config', cfg]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /cannot read the amount 'lots'/);
});
