/**
 * A challenger that fails before the first byte is rescued by the champion: the race report (`GET /admin/races/:name`
 * and `saima race show`) counts those requests as the challenger's failures, as the monitor does, and shows who served.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('rescued requests count against the assigned contender in the race report, which also shows who served', async (t) => {
  const up = await startFakeOpenAI({});
  t.after(() => up.close());
  const doc = {
    contenders: {
      champ: mockContender('champ-1'),
      chal: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'c', price: { input: 1, output: 1 }, retry: { max_retries: 0 } },
    },
    races: { r: { champion: 'champ', challengers: [{ contender: 'chal', weight: 100 }], sticky: false } },
    monitor: { enabled: false },
  };
  const g = await startTestGateway(t, doc);
  up.setFaults(Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 500 })));
  for (let i = 0; i < 6; i++) {
    const r = await g.client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `q${i}` }] }).withResponse();
    assert.equal(r.response.headers.get('x-saima-contender'), 'champ');
  }
  await g.gw.store.requestLog.flush();
  const report = (await (await fetch(`${g.url}/admin/races/r`)).json()) as { contenders: Array<{ contender: string; n: number; errors: number; rescued: number; served: number }> };
  const by = new Map(report.contenders.map((c) => [c.contender, c]));
  assert.deepEqual(by.get('chal') && [by.get('chal')!.n, by.get('chal')!.errors, by.get('chal')!.rescued, by.get('chal')!.served], [6, 6, 6, 0]);
  assert.deepEqual(by.get('champ') && [by.get('champ')!.n, by.get('champ')!.errors, by.get('champ')!.served], [0, 0, 6]);
  await g.gw.close();

  const cfg = join(dirname(g.dbFile), 'saima.json');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${g.dbFile}`, ...doc }));
  const shown = await runCli(['race', 'show', 'r', '--config', cfg]);
  assert.equal(shown.code, 0, shown.stderr);
  const lines = shown.stdout.split('\n');
  const header = lines.find((l) => l.includes('contender'))!;
  assert.match(header, /assigned\s+error %\s+rescued\s+served/);
  const chal = lines.find((l) => l.trimStart().startsWith('chal'))!.trim().split(/\s+/);
  // contender, role, weight, assigned, error %, rescued, served, …
  assert.deepEqual(chal.slice(3, 7), ['6', '100', '6', '0'], shown.stdout);
});
