/**
 * Prompt calibration: an upstream whose tokenizer bills 3× the prompt tokens we estimate (as CJK text on a
 * non-OpenAI tokenizer can) is reserved correctly after a few requests. The gateway keeps, per contender, the ratio
 * of billed to estimated prompt tokens and reserves at its upper quantile; 200 concurrent requests then stay within
 * the budget's bound (settled spend ≤ limit + one request's maximum). `/admin/spend` and `saima spend` show the ratio,
 * and the CLI rebuilds it from the rows (`prompt_estimate`) as a restarting gateway does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';

/** About 1,000 tokens of Chinese text: what the request sends every time. */
const PROMPT = '请把这段话翻译成英文，并保持原意。'.repeat(60);
/** 10 CNY per million prompt tokens, output free (max_tokens 1 anyway). */
const price = { input: 10, output: 0, currency: 'CNY' };

test('reservations learn an upstream that bills 3x our prompt estimate; 200 concurrent requests stay within the bound', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', promptScale: 3, delayMs: 300 });
  t.after(() => up.close());
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', price };
  // Learn one call's real cost first, on a budget of its own, to size the budget under test in real calls.
  const ask = (gw: Awaited<ReturnType<typeof startTestGateway>>) => gw.client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: PROMPT }], max_tokens: 1 });
  const probe = await startTestGateway(t, { contenders: { x: contender } });
  await ask(probe);
  const perCall = up.billedPrompt * 1e4; // nanos: tokens × 10 CNY / 1e6 × 1e9
  up.billedPrompt = 0;
  up.billedCompletion = 0;
  up.requests.length = 0;

  const limit = 40 * perCall;
  const gw = await startTestGateway(t, { contenders: { x: contender }, budgets: { b: { limit: limit / 1e9, currency: 'CNY', period: 'month' } } });
  // A few requests one after another: each tells the gateway what this upstream bills against our estimate.
  for (let i = 0; i < 3; i++) await ask(gw);
  const spend = (await (await fetch(`${gw.url}/admin/spend?by=contender&since=1d`)).json()) as { calibration: Array<{ contender: string; median: number; reserved: number }> };
  const ratio = spend.calibration.find((c) => c.contender === 'x');
  assert.ok(ratio && ratio.reserved > 2.9 && ratio.reserved < 3.1, `the gateway reserves prompts at ~3x: ${JSON.stringify(spend.calibration)}`);

  let ok = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      try {
        await ask(gw);
        ok++;
      } catch (err) {
        assert.equal((err as { status?: number }).status, 429, String(err));
        refused++;
      }
    }),
  );
  const billed = up.billedPrompt * 1e4;
  console.log(`served ${3 + ok}, refused ${refused}; billed ${(billed / perCall).toFixed(2)} calls' worth of a budget for 40 (ratio ${ratio.median})`);
  assert.ok(billed <= limit + perCall, `settled spend ${billed} ≤ limit ${limit} + one request's maximum ${perCall}`);
  assert.ok(refused > 0, 'the budget refused the rest');

  // The CLI rebuilds the ratio from the rows, as a restarting gateway does.
  const dir = mkdtempSync(join(tmpdir(), 'saima-calibration-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${gw.dbFile}`, contenders: { x: contender } }));
  const cli = await runCli(['spend', '--by', 'contender', '--since', '1d', '--json', '--config', cfg]);
  assert.equal(cli.code, 0, cli.stderr);
  const rebuilt = (JSON.parse(cli.stdout) as { calibration: Array<{ contender: string; samples: number; reserved: number }> }).calibration.find((c) => c.contender === 'x');
  assert.ok(rebuilt && rebuilt.reserved > 2.9 && rebuilt.reserved < 3.1 && rebuilt.samples >= 3, JSON.stringify(rebuilt));
  const table = await runCli(['spend', '--by', 'contender', '--since', '1d', '--config', cfg]);
  assert.match(table.stdout, /prompt tokens billed \/ estimated/);
});
