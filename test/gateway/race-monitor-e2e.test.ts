/**
 * The race monitor end to end over loopback: real gateways, mock upstreams, streamed requests and feedback posted
 * through `POST /v1/feedback`. A challenger whose upstream cuts 10 % of its streams is rolled back on its own; a
 * challenger whose users rate it better is ramped and then promoted, across a gateway restart that keeps the race
 * state; the decision log holds the numbers behind each step.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SeededRandom } from '../../src/stats/index.js';
import type { DecisionRow } from '../../src/store/types.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

const MONITOR = { interval_ms: 150 };

async function chat(url: string, model: string): Promise<{ id: string; contender: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] }),
  });
  await res.text();
  return { id: res.headers.get('x-saima-request-id')!, contender: res.headers.get('x-saima-contender')! };
}

async function decisions(url: string, race: string): Promise<DecisionRow[]> {
  const res = await fetch(`${url}/admin/races/${race}/decisions`);
  return ((await res.json()) as { data: DecisionRow[] }).data;
}

/** Sends traffic in rounds of `batch` concurrent requests (each handed to `after`) until `done` holds. */
async function driveUntil(url: string, race: string, done: (d: DecisionRow[]) => boolean, after: (r: { id: string; contender: string }) => Promise<void> = async () => {}, budgetMs = 12_000): Promise<DecisionRow[]> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const d = await decisions(url, race);
    if (done(d)) return d;
    if (Date.now() > deadline) assert.fail(`${race}: no decision in time; log: ${JSON.stringify(d.map((x) => [x.action, x.reason]))}`);
    await Promise.all(Array.from({ length: 16 }, async () => after(await chat(url, race))));
  }
}

test('a challenger cutting 10 % of its streams is rolled back automatically, with the numbers', async (t) => {
  const { url } = await startTestGateway(t, {
    monitor: MONITOR,
    contenders: { champ: mockContender('champ-1'), flaky: mockContender('flaky-1', { error_rate: 0.1, error_kinds: ['cut'] }) },
    races: { assistant: { champion: 'champ', challengers: [{ contender: 'flaky', weight: 30 }], sticky: false, policy: { type: 'canary', ramp: [30, 50], min_samples: 30, min_step_s: 600, guardrails: { error_rate: { margin: 0.01 } } } } },
  });
  const log = await driveUntil(url, 'assistant', (d) => d.some((x) => x.action === 'rollback'));
  const rollback = log.find((x) => x.action === 'rollback')!;
  assert.equal(rollback.contender, 'flaky');
  assert.equal(rollback.actor, null);
  assert.match(rollback.reason!, /^guardrail broken: error_rate \+0\.\d+ \(bound \+0\.\d+ > \+0\.0100, p = /);
  const details = rollback.details as { window: { requests: { champion: number; challenger: number } }; tests: Array<{ metric: string; challenger: { n: number; mean: number }; champion: { mean: number }; harm: { bound: number; pValue: number; alpha: number; significant: boolean } }> };
  const err = details.tests.find((m) => m.metric === 'error_rate')!;
  assert.equal(err.champion.mean, 0);
  assert.ok(err.challenger.mean > 0.03, `challenger error rate ${err.challenger.mean}`);
  assert.ok(err.harm.significant && err.harm.bound > 0.01 && err.harm.pValue <= err.harm.alpha);
  assert.equal(details.window.requests.challenger, err.challenger.n);

  // Traffic now goes to the champion only, and the race report shows the monitor's view.
  for (let i = 0; i < 10; i++) assert.equal((await chat(url, 'assistant')).contender, 'champ');
  const report = (await (await fetch(`${url}/admin/races/assistant`)).json()) as { challengers: Array<{ status: string; weight: number }>; monitor: { ok: boolean; assessment: { policy: string } } };
  assert.deepEqual(report.challengers.map((c) => [c.status, c.weight]), [['rolled_back', 0]]);
  assert.equal(report.monitor.ok, true);
  assert.equal(report.monitor.assessment.policy, 'canary');
});

test('a challenger users prefer is ramped, survives a restart, and is promoted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = {
    store: `sqlite:${join(dir, 'saima.db')}`,
    monitor: MONITOR,
    contenders: { champ: mockContender('champ-1'), better: mockContender('better-1') },
    races: { assistant: { champion: 'champ', challengers: [{ contender: 'better', weight: 20 }], sticky: false, policy: { type: 'canary', primary: 'feedback', ramp: [20, 50], min_samples: 40, min_step_s: 0.5, tuning: 500, guardrails: { error_rate: { margin: 0.05 } } } } },
  };
  const rng = new SeededRandom(42);
  const rate = (url: string) => async (r: { id: string; contender: string }) => {
    // Users give the challenger a thumbs up 85 % of the time, the champion 45 %.
    const up = rng.next() < (r.contender === 'better' ? 0.85 : 0.45);
    const res = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: r.id, thumbs: up ? 'up' : 'down' }) });
    assert.equal(res.status, 201);
  };

  const first = await startTestGateway(t, doc);
  const ramped = await driveUntil(first.url, 'assistant', (d) => d.some((x) => x.action === 'ramp'), rate(first.url));
  const ramp = ramped.find((x) => x.action === 'ramp')!;
  assert.equal(ramp.contender, 'better');
  assert.match(ramp.reason!, /20% → 50%/);
  assert.ok((ramp.details as { window: { requests: { challenger: number } } }).window.requests.challenger >= 40);
  await first.gw.close();

  const second = await startTestGateway(t, doc);
  const state = (await (await fetch(`${second.url}/admin/races/assistant`)).json()) as { champion: string; challengers: Array<{ contender: string; weight: number; status: string; step: number }> };
  assert.equal(state.champion, 'champ');
  assert.deepEqual(state.challengers.map((c) => [c.contender, c.weight, c.status, c.step]), [['better', 50, 'active', 1]]);
  assert.equal((await decisions(second.url, 'assistant')).filter((x) => x.action === 'ramp').length, 1);

  const promoted = await driveUntil(second.url, 'assistant', (d) => d.some((x) => x.action === 'promote'), rate(second.url));
  const promote = promoted.find((x) => x.action === 'promote')!;
  assert.equal(promote.contender, 'better');
  assert.match(promote.reason!, /^feedback significantly better \(p = [\d.e-]+\) and every guardrail within its margin$/);
  const tests = (promote.details as { tests: Array<{ metric: string; effect: number; superior: { significant: boolean } | null; nonInferior: { significant: boolean } | null }> }).tests;
  const fb = tests.find((m) => m.metric === 'feedback')!;
  assert.ok(fb.superior!.significant && fb.effect > 0.3, `feedback effect ${fb.effect}`);
  assert.equal(tests.find((m) => m.metric === 'error_rate')!.nonInferior!.significant, true);
  assert.equal((promote.details as { previousChampion: string }).previousChampion, 'champ');
  for (let i = 0; i < 5; i++) assert.equal((await chat(second.url, 'assistant')).contender, 'better');
});
