/**
 * Known Chat Completions parameters are checked as OpenAI checks them: a wrong type or range is a 400 naming the
 * parameter (`invalid_type` / `invalid_value`) before any upstream is called or anything is charged; invalid UTF-8
 * in a body is a 400, not a prompt silently rewritten with U+FFFD; unknown parameters still pass through untouched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const BAD: Array<[Record<string, unknown>, string, 'invalid_type' | 'invalid_value']> = [
  [{ temperature: 'hot' }, 'temperature', 'invalid_type'],
  [{ temperature: 5 }, 'temperature', 'invalid_value'],
  [{ top_p: -0.1 }, 'top_p', 'invalid_value'],
  [{ presence_penalty: '1' }, 'presence_penalty', 'invalid_type'],
  [{ frequency_penalty: 3 }, 'frequency_penalty', 'invalid_value'],
  [{ seed: 1.5 }, 'seed', 'invalid_type'],
  [{ logprobs: 'yes' }, 'logprobs', 'invalid_type'],
  [{ top_logprobs: 21 }, 'top_logprobs', 'invalid_value'],
  [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'invalid_value'],
  [{ stop: 7 }, 'stop', 'invalid_type'],
  [{ logit_bias: { '50256': 101 } }, 'logit_bias.50256', 'invalid_value'],
  [{ tools: {} }, 'tools', 'invalid_type'],
  [{ tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', 'invalid_type'],
  [{ tool_choice: 'sometimes' }, 'tool_choice', 'invalid_value'],
  [{ response_format: { type: 'xml' } }, 'response_format.type', 'invalid_value'],
  [{ parallel_tool_calls: 1 }, 'parallel_tool_calls', 'invalid_type'],
  [{ max_tokens: 1e308 }, 'max_tokens', 'invalid_value'],
  [{ max_tokens: 1.5 }, 'max_tokens', 'invalid_type'],
  [{ max_completion_tokens: 0 }, 'max_completion_tokens', 'invalid_value'],
  [{ n: 1000 }, 'n', 'invalid_type'],
];

test('wrong known parameters are 400s naming the parameter, and cost nothing', async (t) => {
  const up = await startFakeOpenAI({ answer: 'ok' });
  t.after(() => up.close());
  const { url } = await startTestGateway(t, {
    contenders: { c: { provider: 'openai', base_url: up.url, api_key: 'k', model: 'x', price: { input: 1, output: 1 } } },
    budgets: { all: { contender: 'c', limit: 1, period: 'day' } },
  });
  for (const [extra, param, code] of BAD) {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });
    const body = (await res.json()) as { error: { code: string; param: string; type: string } };
    assert.equal(res.status, 400, JSON.stringify(extra));
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, code, JSON.stringify(extra));
    assert.equal(body.error.param, param, JSON.stringify(extra));
  }
  assert.equal(up.requests.length, 0, 'no bad request reached the upstream');
  const budgets = (await (await fetch(`${url}/admin/budgets`)).json()) as { data: Array<{ spent: number; reserved: number }> };
  assert.equal(budgets.data[0]!.spent + budgets.data[0]!.reserved, 0);

  // Good values and unknown, vendor-specific parameters pass through unchanged.
  const good = { temperature: 0.2, top_p: 1, stop: ['\n'], seed: 7, tool_choice: 'auto', response_format: { type: 'json_object' }, enable_thinking: false, top_k: 20 };
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'hi' }], ...good }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const sent = up.requests.at(-1)!.body;
  for (const [k, v] of Object.entries(good)) assert.deepEqual(sent[k], v, k);
});

test('invalid UTF-8 in a body is a 400; valid multi-byte text passes', async (t) => {
  const up = await startFakeOpenAI({ answer: 'ok' });
  t.after(() => up.close());
  const { url } = await startTestGateway(t, { contenders: { c: { provider: 'openai', base_url: up.url, api_key: 'k', model: 'x' } } });
  const head = Buffer.from('{"model":"c","messages":[{"role":"user","content":"');
  const tail = Buffer.from('"}]}');
  const broken = Buffer.concat([head, Buffer.from([0x68, 0xff, 0xfe, 0x69]), tail]);
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: broken });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'invalid_json');
  assert.match(body.error.message, /UTF-8/);
  assert.equal(up.requests.length, 0);
  const chinese = Buffer.concat([head, Buffer.from('你好，赛马'), tail]);
  const ok = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: chinese });
  assert.equal(ok.status, 200);
  assert.equal((up.requests.at(-1)!.body.messages as Array<{ content: string }>)[0]!.content, '你好，赛马');
  // Prototype poisoning is still refused.
  const poisoned = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"c","__proto__":{"x":1},"messages":[]}' });
  assert.equal(poisoned.status, 400);
});
