/**
 * `saima gate` pays from the same budgets as eval runs and gateway traffic. A running gateway serves a key's
 * traffic while a gate run is made for that key (`--key`), against one key budget sized for 25 calls: the gate's
 * calls are claims the gateway decides with its own, together they stop at the limit (settled spend ≤ limit + one
 * call's maximum), the gate fails as incomplete with the budget as its reason, and its calls are logged under
 * source `gate`, the key and the key's team.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { runCli, serveChild } from '../support/cli.js';
import { gatewayCalls } from '../support/cli-budget-setup.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
const CALL_MAX = 0.04e9;
const LIMIT = 1e9;

test('a gate run and gateway traffic of one key stay within that key\'s budget', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, delayMs: 150 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-gate-budget-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'saima.db');
  const cfg = join(dir, 'saima.json');
  const contender = (model: string) => ({ provider: 'openai', base_url: up.url, api_key: 'sk-test', model, max_output_tokens: 400, price: { input: 0, output: 100, currency: 'CNY' } });
  const write = (budgets: Record<string, unknown>) =>
    writeFileSync(cfg, JSON.stringify({
      server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'keys' }, store: `sqlite:${db}`, teams: { research: {} }, monitor: { enabled: false },
      contenders: { x: contender('x'), champ: contender('champ') }, races: { r: { champion: 'champ', challengers: [{ contender: 'x', weight: 10 }] } }, budgets,
    }));
  write({});
  const created = await runCli(['keys', 'create', '--team', 'research', '--config', cfg]);
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.trim();
  const keyId = /created (key_\S+)/.exec(created.stderr)![1]!;
  write({ 'key-monthly': { key: keyId, period: 'month', limit: LIMIT / 1e9, currency: 'CNY' } });
  const gw = await serveChild(t, cfg);

  const gate = runCli(['gate', 'r', 'x', '--suites', SUITE, '--twins', 'none', '--concurrency', '4', '--key', keyId, '--json', '--no-progress', '--config', cfg], { timeoutMs: 90_000 });
  const started = Date.now();
  while (up.requests.length === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
  const { counts, one } = gatewayCalls(gw.url, { authorization: `Bearer ${secret}` });
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 12 }, one));
  const res = await gate;
  assert.equal(res.code, 1, `the gate fails: ${res.stderr}`);
  const verdict = JSON.parse(res.stdout) as { passed: boolean; reasons: Array<{ check: string; ok: boolean; message: string }> };
  const complete = verdict.reasons.find((c) => c.check === 'complete');
  assert.equal(complete?.ok, false);
  assert.match(complete!.message, /incomplete \(stopped: budget 'key-monthly' would be exceeded by the next call/);

  const billed = up.billedCompletion * 100 * 1000;
  const d = new Database(db, { readonly: true });
  t.after(() => d.close());
  const gateCalls = d.prepare('select count(*) as n, coalesce(sum(cost_nanos), 0) as c from eval_results').get() as { n: number; c: number };
  const gatewayRows = d.prepare("select coalesce(sum(cost_nanos), 0) as c from requests where source = 'gateway'").get() as { c: number };
  console.log(`gate calls ${gateCalls.n}, gateway served ${counts.served} (refused ${counts.refused}); billed ${billed / 1e9} CNY of the key's ${LIMIT / 1e9} CNY budget`);
  assert.ok(gateCalls.n > 0 && counts.served > 0 && counts.refused > 0, 'the gate and the gateway were both paid for, and refused once spent');
  assert.ok(billed <= LIMIT + CALL_MAX, `settled spend ${billed / 1e9} CNY ≤ limit + one call's maximum`);
  assert.equal(gateCalls.c + gatewayRows.c, billed, 'the logs say what the upstream billed');
  assert.ok(up.requests.every((b) => b.max_tokens === 400), 'every call was sent with the cap it was reserved at');

  const spend = await runCli(['spend', '--by', 'source,key,team', '--since', '1d', '--json', '--config', cfg]);
  assert.equal(spend.code, 0, spend.stderr);
  const groups = (JSON.parse(spend.stdout) as { data: Array<{ key: Record<string, string | null>; requests: number }> }).data;
  assert.equal(groups.find((g) => g.key.source === 'gate' && g.key.key === keyId && g.key.team === 'research')?.requests, gateCalls.n);
});
