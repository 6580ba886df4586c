/**
 * Every call Saima makes shows in the spend reports with its source: served calls (`gateway`), shadow copies
 * (`shadow`), eval answers (`eval`). `saima spend --by source` and `/admin/spend?by=source` agree with the rows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/load.js';
import { loadSuite } from '../../src/eval/suite.js';
import { startServer } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';
import { solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';
import { mockContender } from '../support/gateway.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

interface Group {
  key: { source?: string };
  requests: number;
  cost_nanos: number;
}

test('saima spend --by source and /admin/spend?by=source count gateway, shadow and eval calls', async (t) => {
  const up = await startEvalUpstream(solver(loadSuite(SUITE)));
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-source-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 's.db');
  const price = { input: 1, output: 2, currency: 'CNY' };
  const doc = {
    store: `sqlite:${db}`,
    contenders: { m: mockContender('m', {}, { price }), s: mockContender('s', {}, { price }), x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', price } },
    races: { r: { champion: 'm', shadow: { contender: 's', rate: 1 } } },
  };
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify(doc));
  const gw = await startServer(buildConfig({ ...doc, server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' } }, {}), { logger: false });
  t.after(() => gw.close());
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `q ${i}` }] });
  const run = await runCli(['eval', 'run', SUITE, '--contenders', 'x', '--twins', 'none', '--json', '--no-progress', '--config', cfg]);
  assert.equal(run.code, 0, run.stderr);

  // Shadows finish in the background: wait for their rows.
  const sql = new Database(db, { readonly: true });
  t.after(() => sql.close());
  for (let i = 0; i < 100 && (sql.prepare('select count(*) as n from requests where shadow = 1').get() as { n: number }).n < 5; i++) await new Promise((r) => setTimeout(r, 20));
  const expected = new Map<string, number>([
    ['gateway', (sql.prepare("select sum(cost_nanos) as s from requests where source = 'gateway'").get() as { s: number }).s],
    ['shadow', (sql.prepare("select sum(cost_nanos) as s from requests where source = 'shadow'").get() as { s: number }).s],
    ['eval', (sql.prepare('select sum(cost_nanos) as s from eval_results').get() as { s: number }).s],
  ]);
  assert.ok([...expected.values()].every((v) => v > 0), JSON.stringify([...expected]));

  const cli = await runCli(['spend', '--by', 'source', '--since', '1d', '--json', '--config', cfg]);
  assert.equal(cli.code, 0, cli.stderr);
  const http = (await (await fetch(`${gw.url}/admin/spend?by=source&since=1d`)).json()) as { data: Group[] };
  for (const data of [(JSON.parse(cli.stdout) as { data: Group[] }).data, http.data]) {
    const got = new Map(data.map((g) => [g.key.source!, g.cost_nanos]));
    assert.deepEqual(got, expected);
    assert.equal(data.find((g) => g.key.source === 'gateway')!.requests, 5);
  }
  const bad = await runCli(['spend', '--by', 'colour', '--config', cfg]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unknown grouping 'colour'.*source/);
});
