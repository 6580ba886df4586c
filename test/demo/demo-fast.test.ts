/**
 * `saima demo --fast` tells the whole story in under a minute, from the real monitor's decisions on the simulated
 * traffic: the gate fails the in-house model on its gaming gap, the canary rolls it back on its error rate, and
 * the outside model is promoted on users' feedback. It never tries to reach anything beyond loopback, and it
 * exits cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { startDemo } from './demo-process.js';

interface Decision {
  action: string;
  contender: string | null;
  reason: string | null;
  actor: string | null;
}

test('the no-egress preload refuses and records a connection beyond loopback', () => {
  const preload = fileURLToPath(new URL('../support/no-egress.mjs', import.meta.url));
  const log = join(mkdtempSync(join(tmpdir(), 'saima-egress-')), 'egress.jsonl');
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed, so nothing could leave even if the preload failed.
  const script = "require('node:net').connect(80, '192.0.2.1').on('error', (e) => console.log(e.message))";
  const out = execFileSync(process.execPath, ['--import', preload, '-e', script], { encoding: 'utf8', env: { ...process.env, SAIMA_EGRESS_LOG: log } });
  assert.match(out, /no-egress: connection to 192\.0\.2\.1:80 refused/);
  const recorded = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; target: string });
  assert.deepEqual(recorded.map((r) => [r.kind, r.target]), [['connect', '192.0.2.1:80']]);
});

test('demo with a bad port: one clear line, non-zero exit, nothing started', async () => {
  const r = await runCli(['demo', '--port', 'abc']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "saima: --port must be a port number from 0 to 65535 (got 'abc')\n");
});

test('demo --fast: gate, rollback on error rate, promotion on feedback, in about a minute, loopback only', { timeout: 120_000 }, async (t) => {
  const demo = await startDemo(t);
  assert.match(demo.lines[0]!, /SIMULATED/);

  const houseGate = await demo.waitForLine(/^\[.*\] gate house-model: FAILED — contamination: resample-numbers/, 30_000);
  assert.match(houseGate, /significant and above max_gap 5/);
  await demo.waitForLine(/^\[.*\] gate outside-model: passed$/, 5_000);
  const arena = await demo.waitForLine(/arena: \d+ blind votes by simulated users recorded/, 30_000);
  // 40 matches are asked for; a match whose contender kept failing is skipped, never most of them.
  assert.ok(Number(/arena: (\d+) blind votes/.exec(arena)![1]) >= 30, arena);
  // Blind: no answer of a match names a contender (the demo's answers used to say "… from house-model").
  const match = (await (await fetch(`${demo.url}/v1/arena/match`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ race: 'assistant', prompt: 'Which plan suits a small team?' }) })).json()) as { answers: Array<{ content: string }> };
  assert.equal(match.answers.length, 2);
  for (const a of match.answers) assert.doesNotMatch(a.content, /house-model|outside-model|small-model|house-7b|outside-v3|small-1b/, a.content);

  const done = await demo.waitForLine(/story complete/, 90_000);
  const seconds = (performance.now() - demo.startedAt) / 1000;
  t.diagnostic(`story complete after ${seconds.toFixed(1)} s (process start to the last decision): ${done}`);
  // 51 s on a quiet 2-core machine; the bound leaves room for the test file running beside it.
  assert.ok(seconds < 75, `the fast story took ${seconds.toFixed(1)} s`);

  // The decisions are the monitor's own, in the store, with their numbers.
  const res = await fetch(`${demo.url}/admin/races/assistant/decisions`);
  const decisions = ((await res.json()) as { data: Decision[] }).data;
  const rollback = decisions.find((d) => d.action === 'rollback' && d.contender === 'house-model');
  const promote = decisions.find((d) => d.action === 'promote' && d.contender === 'outside-model');
  assert.ok(rollback && promote, JSON.stringify(decisions));
  assert.equal(rollback.actor, null);
  assert.equal(promote.actor, null);
  assert.match(rollback.reason ?? '', /^guardrail broken: error_rate \+0\.\d+ \(bound/);
  assert.match(promote.reason ?? '', /feedback significantly better/);
  const race = (await (await fetch(`${demo.url}/admin/races/assistant`)).json()) as { champion: string };
  assert.equal(race.champion, 'outside-model');

  assert.equal(await demo.stop(), 0);
  assert.deepEqual(demo.egress(), []);
});
