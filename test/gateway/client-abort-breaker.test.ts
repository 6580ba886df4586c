/** Clients that hang up before the answer are not the contender's failures: the circuit stays closed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('aborted client requests do not open the contender circuit', async (t) => {
  const { url } = await startTestGateway(t, {
    contenders: { a: mockContender('a', { latency_ms: 300 }, { breaker: { failure_threshold: 1, cooldown_ms: 60_000 } }) },
    races: { r: { champion: 'a' } },
  });
  const body = JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'x' }] });
  for (let i = 0; i < 3; i++) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ac.signal }));
  }
  await new Promise((r) => setTimeout(r, 400));
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
  assert.equal(res.headers.get('x-saima-contender'), 'a');
});
