/**
 * A challenger that fails before the first byte is rescued by the champion (its first fallback): the client gets
 * 200 from the champion, the row says who answered and which arm it was assigned to, and the race monitor still
 * counts the failure against the challenger and rolls it back. Without that, retries and fallbacks would hide a
 * broken challenger from the monitor forever.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionRow } from '../../src/store/types.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('a challenger rescued by fallbacks is still rolled back on its error rate', async (t) => {
  const { url } = await startTestGateway(t, {
    monitor: { interval_ms: 150 },
    contenders: {
      champ: mockContender('champ-1'),
      broken: mockContender('broken-1', { error_rate: 1, error_kinds: ['http_500'] }, { retry: { max_retries: 0 } }),
    },
    races: {
      assistant: {
        champion: 'champ', challengers: [{ contender: 'broken', weight: 30 }], sticky: false,
        policy: { type: 'canary', ramp: [30, 50], min_samples: 30, min_step_s: 600, guardrails: { error_rate: { margin: 0.05 } } },
      },
    },
  });
  const rescued: string[] = [];
  let decisions: DecisionRow[] = [];
  const deadline = Date.now() + 15_000;
  while (!decisions.some((d) => d.action === 'rollback')) {
    assert.ok(Date.now() < deadline, `no rollback in time: ${JSON.stringify(decisions.map((d) => [d.action, d.reason]))}`);
    await Promise.all(Array.from({ length: 16 }, async () => {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(res.status, 200, 'the fallback serves every request');
      assert.equal(res.headers.get('x-saima-contender'), 'champ');
      const id = res.headers.get('x-saima-request-id')!;
      await res.text();
      const row = (await (await fetch(`${url}/admin/requests/${id}`)).json()) as { fallback_from: string | null; contender: string; outcome: string };
      if (row.fallback_from) rescued.push(row.fallback_from);
      assert.equal(row.contender, 'champ');
      assert.equal(row.outcome, 'ok');
    }));
    decisions = ((await (await fetch(`${url}/admin/races/assistant/decisions`)).json()) as { data: DecisionRow[] }).data;
  }
  assert.ok(rescued.length >= 30 && rescued.every((c) => c === 'broken'), `rescued rows name the assigned arm: ${rescued.length}`);
  const rollback = decisions.find((d) => d.action === 'rollback')!;
  assert.equal(rollback.contender, 'broken');
  assert.match(rollback.reason!, /^guardrail broken: error_rate/);
  const tests = (rollback.details as { tests: Array<{ metric: string; challenger: { mean: number }; champion: { mean: number } }> }).tests;
  const err = tests.find((m) => m.metric === 'error_rate')!;
  assert.equal(err.champion.mean, 0, 'rescued rows are not the champion arm\'s');
  assert.equal(err.challenger.mean, 1, 'every assigned request failed on the challenger');
});
