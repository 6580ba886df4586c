/**
 * Whose budgets a CLI run pays from. Team budgets cannot be escaped by leaving `--team` out: while one exists, an
 * eval run (or gate, or arena judging run) without `--team` or `--key` is refused with one line before any call,
 * and `--no-team` runs outside every team's budget on purpose. `--key ID` makes the calls that key's: its
 * key-scoped budget refuses them once spent, the log carries the key, and the gateway then refuses the key too.
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

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
/** 400 output tokens at 100 CNY per million: the most one call can cost (prompts are priced 0). */
const CALL_MAX = 0.04e9;
const LIMIT = 1e9;

async function setup(t: import('node:test').TestContext) {
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, delayMs: 30 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-cli-scope-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', max_output_tokens: 400, price: { input: 0, output: 100, currency: 'CNY' } };
  const db = join(dir, 'saima.db');
  const cfg = join(dir, 'saima.json');
  const write = (budgets: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    writeFileSync(cfg, JSON.stringify({ server: { host: '127.0.0.1', port: 0 }, store: `sqlite:${db}`, contenders: { x: contender }, teams: { research: {}, search: {} }, budgets, monitor: { enabled: false }, ...extra }));
  return { up, db, cfg, write };
}

test('a run without --team is refused while team budgets exist; --no-team opts out on purpose', async (t) => {
  const { up, cfg, write } = await setup(t);
  write({ 'research-daily': { team: 'research', period: 'day', limit: LIMIT / 1e9, currency: 'CNY' } });
  const evalArgs = ['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '16', '--json', '--no-progress', '--config', cfg];

  const bare = await runCli(evalArgs);
  assert.equal(bare.code, 1, bare.stderr);
  assert.equal(bare.stderr.trim().split('\n').length, 1, `one line: ${bare.stderr}`);
  assert.match(bare.stderr, /^saima: team budgets exist \(research-daily\): pass --team TEAM or --key ID, or --no-team to run outside every team's budget$/m);
  const gate = await runCli(['gate', 'r', 'x', '--suites', SUITE, '--no-progress', '--config', cfg]);
  assert.equal(gate.code, 1);
  assert.match(gate.stderr, /team budgets exist \(research-daily\)/);
  const judge = await runCli(['arena', 'judge', '--race', 'r', '--prompts', SUITE, '--judge', 'x', '--config', cfg]);
  assert.equal(judge.code, 1);
  assert.match(judge.stderr, /team budgets exist \(research-daily\)/);
  assert.equal(up.requests.length, 0, 'nothing was sent');

  // With --team the team's budget holds; with --no-team the calls are outside it, on purpose.
  const team = await runCli([...evalArgs, '--team', 'research'], { timeoutMs: 60_000 });
  assert.equal(team.code, 3, team.stderr);
  assert.match(team.stderr, /budget 'research-daily' would be exceeded/);
  assert.ok(up.billedCompletion * 100 * 1000 <= LIMIT + CALL_MAX);
  const before = up.requests.length;
  const outside = await runCli([...evalArgs, '--no-team', '--fresh'], { timeoutMs: 60_000 });
  assert.equal(outside.code, 0, outside.stderr);
  assert.equal(up.requests.length - before, 64, 'every call of the suite, outside the team budget');
});

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

test('a run stored without a team resumes outside a team budget only when told so', async (t) => {
  const { up, cfg, write } = await setup(t);
  // Made while no team budget existed: no team, and no --no-team needed.
  write({});
  const first = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--concurrency', '4', '--max-cost', '0.2CNY', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(first.code, 3, first.stderr);
  const runId = /run (\S+):/.exec(first.stderr)?.[1];
  assert.ok(runId, first.stderr);
  write({ 'research-daily': { team: 'research', period: 'day', limit: LIMIT / 1e9, currency: 'CNY' } });
  const sent = up.requests.length;

  const refused = await runCli(['eval', 'resume', runId, '--max-cost', '10CNY', '--json', '--no-progress', '--config', cfg]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`run ${runId} has no team and team budgets exist \\(research-daily\\): resume with --no-team`));
  assert.equal(up.requests.length, sent, 'nothing was sent');
  const resumed = await runCli(['eval', 'resume', runId, '--no-team', '--max-cost', '10CNY', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(up.requests.length, 64, 'the rest of the run, outside the team budget on purpose');
});
