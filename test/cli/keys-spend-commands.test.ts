/** `saima keys` and `saima spend` against a real store file, and the numbers reconciled with the request log. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';

test('keys create prints the key once; ls shows it without the secret; revoke stops it; spend reconciles', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-keys-'));
  const db = join(dir, 'saima.db');
  const cfgFile = join(dir, 'saima.yaml');
  const doc = {
    server: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'keys' },
    store: `sqlite:${db}`,
    contenders: { m: { provider: 'mock', model: 'm', price: { input: 3, output: 7 } }, n: { provider: 'mock', model: 'n', price: { input: 1, output: 1, currency: 'USD' } } },
    races: { r: { champion: 'm' } },
  };
  writeFileSync(cfgFile, JSON.stringify(doc));
  const created = await runCli(['keys', 'create', '--config', cfgFile, '--team', 'search', '--scopes', 'chat,feedback', '--rpm', '100', '--expires', '30d']);
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.trim();
  assert.match(secret, /^sk-saima-[A-Za-z0-9_-]{43}$/);
  assert.match(created.stderr, /created key_[0-9a-f]{16} for team search/);

  const ls = await runCli(['keys', 'ls', '--config', cfgFile, '--json']);
  assert.equal(ls.code, 0, ls.stderr);
  assert.ok(!ls.stdout.includes(secret.slice(13)), 'the secret is never listed');
  const keys = JSON.parse(ls.stdout) as Array<{ id: string; team: string; rpm: number; status: string }>;
  assert.equal(keys.length, 1);
  assert.deepEqual([keys[0]!.team, keys[0]!.rpm, keys[0]!.status], ['search', 100, 'active']);

  const bad = await runCli(['keys', 'create', '--config', cfgFile, '--team', 'x', '--scopes', 'root']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^saima: unknown scope 'root'/);

  const gw = await startServer(buildConfig(doc, {}), { logger: false });
  t.after(() => gw.close());
  const call = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }) });
  for (const model of ['r', 'r', 'n']) assert.equal((await call(model)).status, 200);
  await gw.store.requestLog.flush();
  const spend = await runCli(['spend', '--config', cfgFile, '--by', 'team,contender', '--since', '1d', '--json']);
  assert.equal(spend.code, 0, spend.stderr);
  const report = JSON.parse(spend.stdout) as { data: Array<{ key: { team: string; contender: string }; requests: number; cost_nanos: number; currency: string }> };
  const rows = (await gw.store.requests.listRequests({ limit: 100 })).filter((r) => r.team === 'search');
  for (const g of report.data) {
    const mine = rows.filter((r) => r.contender === g.key.contender);
    assert.equal(g.requests, mine.length);
    assert.equal(g.cost_nanos, mine.reduce((s, r) => s + r.costNanos, 0), 'exactly the sum of the rows');
  }
  assert.deepEqual(report.data.map((g) => [g.key.contender, g.currency, g.requests]), [['m', 'CNY', 2], ['n', 'USD', 1]]);
  const table = await runCli(['spend', '--config', cfgFile, '--by', 'day,contender']);
  assert.match(table.stdout, /day\s+contender\s+requests/);

  const revoke = await runCli(['keys', 'revoke', keys[0]!.id, '--config', cfgFile]);
  assert.equal(revoke.code, 0, revoke.stderr);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await call('r')).status, 401, 'revoked from another process, refused within a second');
  const unknown = await runCli(['spend', '--config', cfgFile, '--by', 'planet']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^saima: unknown grouping 'planet'/);
});
