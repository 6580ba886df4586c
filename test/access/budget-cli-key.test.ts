/**
 * `--key ID` makes a CLI run's calls that key's: its key-scoped budget refuses them once spent, the log and the spend
 * report carry the key and its team, and a gateway resuming from the log refuses the key too. Without `--key`, key
 * budgets do not cover the calls, and the CLI says so in one line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, serveChild } from '../support/cli.js';
import { CALL_MAX, cliBudgetSetup as setup, SUITE } from '../support/cli-budget-setup.js';

const LIMIT = 1e9;

test('--key makes the calls that key\'s: its budget stops the run, and the gateway then refuses the key', async (t) => {
  const { up, db, cfg, write } = await setup(t);
  write({}, { auth: { mode: 'keys' } });
  const created = await runCli(['keys', 'create', '--team', 'research', '--config', cfg]);
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.trim();
  const keyId = /created (key_\S+)/.exec(created.stderr)![1]!;
  const other = await runCli(['keys', 'create', '--team', 'search', '--config', cfg]);
  const otherId = /created (key_\S+)/.exec(other.stderr)![1]!;
  write({ 'key-monthly': { key: keyId, period: 'month', limit: LIMIT / 1e9, currency: 'CNY' } }, { auth: { mode: 'keys' } });
  const evalArgs = ['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '16', '--json', '--no-progress', '--config', cfg];

  // Without --key, the key budget does not cover the calls, and the CLI says so.
  const unkeyed = await runCli([...evalArgs, '--samples', '1'], { timeoutMs: 60_000 });
  assert.equal(unkeyed.code, 0, unkeyed.stderr);
  assert.match(unkeyed.stderr, /note: key budgets \(key-monthly\) do not cover these calls, made with no key; --key ID charges a key's budgets/);
  const unkeyedBilled = up.billedCompletion * 100 * 1000;

  // A key of another team than --team, and an unknown key, are refused before any call.
  const mismatch = await runCli([...evalArgs, '--key', otherId, '--team', 'research', '--fresh']);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, new RegExp(`key '${otherId}' belongs to team 'search', not 'research'`));
  const unknown = await runCli([...evalArgs, '--key', 'key_nope', '--fresh']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no active key 'key_nope'/);

  const keyed = await runCli([...evalArgs, '--key', keyId, '--fresh'], { timeoutMs: 60_000 });
  assert.equal(keyed.code, 3, keyed.stderr);
  assert.match(keyed.stderr, /budget 'key-monthly' would be exceeded/);
  const keyedBilled = up.billedCompletion * 100 * 1000 - unkeyedBilled;
  console.log(`--key: billed ${keyedBilled / 1e9} CNY of the key's ${LIMIT / 1e9} CNY budget`);
  assert.ok(keyedBilled <= LIMIT + CALL_MAX, `settled ${keyedBilled / 1e9} CNY ≤ limit + one call's maximum`);
  assert.ok(keyedBilled > LIMIT - 2 * CALL_MAX, 'and stopped near it');

  // The spend report puts the calls under the key (and its team).
  const spend = await runCli(['spend', '--by', 'key,team,source', '--since', '1d', '--json', '--config', cfg]);
  assert.equal(spend.code, 0, spend.stderr);
  const groups = (JSON.parse(spend.stdout) as { data: Array<{ key: Record<string, string | null>; cost: number }> }).data;
  const mine = groups.find((g) => g.key.key === keyId && g.key.source === 'eval');
  assert.equal(mine?.key.team, 'research');
  assert.equal(Math.round(mine!.cost * 1e9), keyedBilled);

  // A gateway resumes the key's budget from the log, eval rows included: the key is spent there too.
  const gw = await serveChild(t, cfg);
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 400 }),
  });
  const body = (await r.json()) as { error?: { code?: string } };
  assert.equal(r.status, 429, JSON.stringify(body));
  assert.equal(body.error?.code, 'budget_exceeded');
  const d = new Database(db, { readonly: true });
  t.after(() => d.close());
  assert.equal((d.prepare("select count(*) as n from requests where status = 200").get() as { n: number }).n, 0);
});
