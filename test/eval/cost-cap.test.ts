/** A cost cap stops a run cleanly: no call starts once the spend would pass it, the run is `stopped`, exit code 3. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EvalReport } from '../../src/eval/report.js';
import { loadSuite } from '../../src/eval/suite.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test('the run stops at the cost cap and says so', async (t) => {
  const up = await startEvalUpstream(solver(loadSuite(SUITE)), { delayMs: 5 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-cap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.yaml');
  // 1000 CNY per million prompt tokens: a call of ~30–60 prompt tokens costs ~0.03–0.06 CNY, so 1 CNY buys ~20–30.
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', price: { input: 1000, output: 0, currency: 'CNY' } } } }));
  const res = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--concurrency', '4', '--max-cost', '1CNY', '--json', '--no-progress', '--config', cfg]);
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stderr, /stopped: cost cap reached: spent 0\.\d+ CNY of 1\.00 CNY; resume with: saima eval resume run_/);
  const report = JSON.parse(res.stdout) as EvalReport;
  assert.equal(report.run.status, 'stopped');
  const spent = report.contenders[0]!.cost.cnyNanos;
  assert.ok(spent <= 1e9, `spent ${spent / 1e9} CNY, no more than the cap`);
  assert.ok(spent > 0.8e9, `and close to it: ${spent / 1e9}`);
  assert.ok(up.requests.length > 10 && up.requests.length < 306, `${up.requests.length} calls`);
  assert.ok(report.run.missing > 0);

  const store = await openStore(`sqlite:${join(dir, 's.db')}`);
  t.after(() => store.close());
  const { CNY } = await store.evals.runSpend(report.run.id);
  assert.equal(CNY, spent, 'the spend in the store is what the report shows');

  const calls = up.requests.length;
  const again = await runCli(['eval', 'resume', report.run.id, '--no-progress', '--config', cfg]);
  assert.equal(again.code, 3, 'the cap still holds on resume');
  assert.equal(up.requests.length, calls, 'no call was made past the cap');
});
