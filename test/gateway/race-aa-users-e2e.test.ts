/**
 * A/A races on a real gateway: two identical contenders on one upstream, sticky users who differ (each user's
 * answers take their own time, from 2 ms to 137 ms), the monitor looking every 100 ms (α = 1 %) with a latency guardrail at
 * margin 0 and latency as the metric to win. Which users land in which lane makes one lane's requests slower
 * than the other's; tested per request, that reads as a slower or faster model and rolls back or promotes the
 * challenger. Tested per user, as the monitor does, no race decides anything — while the tests do run, on users.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionRow } from '../../src/store/types.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const RACES = 3;
const USERS = 80;
const ROUNDS = 8;

test('A/A races with users who differ: no rollback, no promotion', async (t) => {
  // The upstream answers user i after 2 + 15·(i mod 10) ms: the user, not the contender, sets the latency.
  const up = await startFakeOpenAI({ answer: 'same answer', headersDelayFor: (body) => {
    const text = String((body.messages as Array<{ content: string }>)[0]?.content ?? '');
    return 2 + 15 * (Number(/user (\d+)/.exec(text)?.[1] ?? 0) % 10);
  } });
  t.after(() => up.close());
  const contender = (model: string) => ({ provider: 'openai', base_url: up.url, api_key: 'sk-up-0000000000', model, price: { input: 1, output: 2, currency: 'CNY' } });
  const contenders: Record<string, unknown> = {};
  const races: Record<string, unknown> = {};
  for (let r = 0; r < RACES; r++) {
    // Each race its own pair of names: lanes start where the challenger's name hashes, so the races split users
    // differently.
    contenders[`champ${r}`] = contender('same-model');
    contenders[`chal${r}`] = contender('same-model');
    races[`aa${r}`] = {
      champion: `champ${r}`, challengers: [{ contender: `chal${r}`, weight: 50 }], sticky: true,
      policy: { type: 'canary', primary: 'p95_latency', ramp: [50], min_samples: 30, min_step_s: 0.1, tuning: 200, alpha: 0.01, guardrails: { error_rate: { margin: 0.01 }, p95_latency: { margin: 0 } } },
    };
  }
  const { url } = await startTestGateway(t, { monitor: { interval_ms: 100 }, contenders, races });

  const chat = async (model: string, user: number) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, user: `${model}-user-${user}`, messages: [{ role: 'user', content: `hello from user ${user}` }] }),
    });
    assert.equal(res.status, 200, await res.text());
  };
  // Warm every contender's connections first (outside the races): the first calls of a cold contender are slower
  // for reasons that have nothing to do with its model.
  await Promise.all(Object.keys(contenders).flatMap((name) => Array.from({ length: 20 }, (_, i) => chat(name, i))));
  // Rounds in which every user sends one request to every race, 24 at a time.
  for (let round = 0; round < ROUNDS; round++) {
    const jobs = Array.from({ length: RACES * USERS }, (_, k) => () => chat(`aa${k % RACES}`, Math.floor(k / RACES)));
    for (let i = 0; i < jobs.length; i += 24) await Promise.all(jobs.slice(i, i + 24).map((j) => j()));
  }
  await new Promise((r) => setTimeout(r, 400));

  for (let r = 0; r < RACES; r++) {
    const log = ((await (await fetch(`${url}/admin/races/aa${r}/decisions`)).json()) as { data: DecisionRow[] }).data;
    assert.deepEqual(log.filter((d) => d.action === 'rollback' || d.action === 'promote').map((d) => [d.action, d.reason, JSON.stringify(d.details)]), [], `race aa${r}`);
    // The monitor did test latency, with users as the units: about 40 per arm, each with ROUNDS requests.
    const report = (await (await fetch(`${url}/admin/races/aa${r}`)).json()) as { monitor: { ok: boolean; assessment: { challengers: Array<{ requests: { champion: number; challenger: number }; metrics: Array<{ metric: string; champion: { n: number }; challenger: { n: number }; harm: unknown }> }> } } };
    assert.equal(report.monitor.ok, true);
    const view = report.monitor.assessment.challengers[0]!;
    const latency = view.metrics.find((m) => m.metric === 'p95_latency')!;
    assert.notEqual(latency.harm, null, `aa${r}: latency tested`);
    assert.equal(latency.champion.n + latency.challenger.n, USERS, `aa${r}: units are users`);
    assert.equal(view.requests.champion + view.requests.challenger, ROUNDS * USERS);
    // Decisions name the unit their tests counted: the champion's holds or ramps, if any, and every rollback.
    for (const d of log.filter((x) => x.details && typeof x.details === 'object' && 'tests' in (x.details as object))) assert.equal((d.details as { unit: string }).unit, 'effective user');
  }
});
