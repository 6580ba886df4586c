/**
 * A request refused by the gateway's own checks after the breaker let it through (a field the contender's protocol
 * cannot carry) asks no upstream: it must not hold a half-open breaker's probe, or the contender stays shut for good.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';

test('a half-open breaker probes again after a request the gateway itself refused', async (t) => {
  const up = await startFakeOpenAI({ answer: 'Back again.' });
  t.after(() => up.close());
  const gw = await startTestGateway(t, {
    contenders: { deepseek: { provider: 'openai', base_url: up.url, model: 'deepseek-chat', retry: { max_retries: 0 }, breaker: { failure_threshold: 1, cooldown_ms: 200 } } },
    races: {},
  });
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'unused-key', maxRetries: 0 });
  const ask = (extra: Record<string, unknown> = {}) => client.messages.create({ model: 'deepseek', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }], ...extra });

  up.setFaults([{ kind: 'status', status: 500 }]);
  await assert.rejects(ask(), (e: unknown) => e instanceof Anthropic.APIError && e.status === 502);
  await assert.rejects(ask(), (e: unknown) => e instanceof Anthropic.APIError && e.status === 503, 'the circuit is open');
  await new Promise((r) => setTimeout(r, 250));
  // Half-open: this request takes the probe, then is refused before any upstream call.
  await assert.rejects(ask({ container: 'container_1' }), (e: unknown) => e instanceof Anthropic.BadRequestError && /container/.test(String((e as Error).message)));
  const calls = up.requests.length;
  // The probe was given back: the next request reaches the upstream and closes the circuit.
  const answer = await ask();
  assert.equal((answer.content[0] as Anthropic.TextBlock).text, 'Back again.');
  assert.equal(up.requests.length, calls + 1);
});
