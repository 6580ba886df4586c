/**
 * A race frozen by its extra-spend cap can be unfrozen by a person, over HTTP or the CLI, with a reason: ramps may
 * resume, the spend count starts over (so the same spend does not freeze it again at the next tick), and the
 * decision log shows who lifted the freeze and what it was.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import type { DecisionRow } from '../../src/store/types.js';
import { runCli } from '../support/cli.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const decisions = async (url: string): Promise<DecisionRow[]> => ((await (await fetch(`${url}/admin/races/assistant/decisions`)).json()) as { data: DecisionRow[] }).data;
const report = async (url: string) => (await (await fetch(`${url}/admin/races/assistant`)).json()) as { frozen: string | null };

async function driveUntilFrozen(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await report(url)).frozen === null) {
    assert.ok(Date.now() < deadline, 'the race never froze');
    await Promise.all(Array.from({ length: 8 }, async () => (await post(`${url}/v1/chat/completions`, { model: 'assistant', messages: [{ role: 'user', content: 'hello there' }] })).text()));
  }
}

test('a race frozen by its extra-spend cap is unfrozen over HTTP and the CLI, and the spend count starts over', async (t) => {
  const doc = {
    monitor: { interval_ms: 100 },
    contenders: {
      champ: mockContender('champ-1', {}, { price: { input: 0.1, output: 0.1, currency: 'CNY' } }),
      pricey: mockContender('pricey-1', {}, { price: { input: 500, output: 500, currency: 'CNY' } }),
    },
    races: {
      assistant: {
        champion: 'champ', challengers: [{ contender: 'pricey', weight: 40 }], sticky: false,
        policy: { type: 'canary', ramp: [40, 50], min_samples: 1000, min_step_s: 600, max_extra_spend: { amount: 0.05, currency: 'CNY' } },
      },
    },
  };
  const { url, dbFile } = await startTestGateway(t, doc);
  await driveUntilFrozen(url);
  assert.match((await report(url)).frozen!, /past the cap of 0\.0500 CNY/);

  const noReason = await post(`${url}/admin/races/assistant/unfreeze`, {});
  assert.equal(noReason.status, 400);
  assert.equal(((await noReason.json()) as { error: { param: string } }).error.param, 'reason');

  const ok = await post(`${url}/admin/races/assistant/unfreeze`, { reason: 'finance approved more spend' });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { decision: { action: string; reason: string; details: { change: string; wasFrozen: string } }; race: { frozen: string | null } };
  assert.equal(body.race.frozen, null);
  assert.equal(body.decision.action, 'manual');
  assert.equal(body.decision.details.change, 'unfreeze');
  assert.match(body.decision.details.wasFrozen, /ramping frozen/);

  // Several monitor ticks without traffic: the old spend no longer counts, so the race stays unfrozen.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await report(url)).frozen, null, 'not frozen again by the spend that froze it');
  const again = await post(`${url}/admin/races/assistant/unfreeze`, { reason: 'twice' });
  assert.equal(again.status, 400, 'a race that is not frozen cannot be unfrozen');
  assert.match(((await again.json()) as { error: { message: string } }).error.message, /not frozen/);

  // New spend past the cap freezes it again; the CLI lifts it too, against the same store.
  await driveUntilFrozen(url);
  const configFile = join(dirname(dbFile), 'saima.yaml');
  writeFileSync(configFile, stringify({ auth: { mode: 'none' }, store: `sqlite:${dbFile}`, ...doc }));
  const cli = await runCli(['race', 'unfreeze', 'assistant', '--reason', 'second approval', '--config', configFile]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /assistant: unfrozen/);
  const log = await decisions(url);
  assert.equal(log.filter((d) => d.action === 'freeze').length, 2);
  assert.deepEqual(log.filter((d) => (d.details as { change?: string } | null)?.change === 'unfreeze').map((d) => d.reason).sort(), ['finance approved more spend', 'second approval']);
  const missing = await runCli(['race', 'unfreeze', 'assistant', '--reason', 'third time', '--config', configFile]);
  assert.notEqual(missing.code, 0);
  assert.equal(missing.stderr.trim().split('\n').length, 1, `one clear line: ${missing.stderr}`);
  assert.match(missing.stderr, /not frozen/);
});
