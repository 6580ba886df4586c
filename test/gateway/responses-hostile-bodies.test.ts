/**
 * Malformed and hostile Responses API bodies, generated from a seed: every one gets a 4xx in OpenAI's error shape
 * (or a 200 when the mutation happens to stay valid), never a 5xx, and the gateway keeps serving.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const VALID = {
  model: 'assistant',
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', image_url: 'https://example.com/a.png' }] },
    { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
    { type: 'function_call_output', call_id: 'c1', output: 'ok' },
  ],
  tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }],
};
const WEIRD: unknown[] = [null, true, false, 0, -1, 1.5, -0, '', ' ', 'x'.repeat(300), '\u0000', [], [null], {}, { a: 1 }, [[[]]], { type: 5 }, { type: 'message' }, { type: 'function_call' }, { role: 'user' }, { role: 'user', content: 5 }, { role: 'user', content: [{}] }, Number.MAX_SAFE_INTEGER];
const FIELDS = ['model', 'input', 'instructions', 'tools', 'tool_choice', 'max_output_tokens', 'temperature', 'top_p', 'stream', 'store', 'previous_response_id', 'reasoning', 'text', 'metadata', 'user', 'include', 'truncation', 'parallel_tool_calls'];

function mutate(r: () => number): unknown {
  const body = structuredClone(VALID) as Record<string, unknown>;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const where = r();
  if (where < 0.5) body[pick(FIELDS)] = pick(WEIRD);
  else if (where < 0.75) (body.input as unknown[])[Math.floor(r() * 3)] = pick(WEIRD);
  else if (where < 0.9) ((body.input as Array<{ content: unknown[] }>)[0]!.content)[Math.floor(r() * 2)] = pick(WEIRD);
  else (body.tools as unknown[])[0] = pick(WEIRD);
  return body;
}

test('hostile Responses bodies: 4xx in OpenAI error shape or 200, never a 5xx; deep nesting and big lists do not stall', async (t) => {
  const gw = await startTestGateway(t, { contenders: { a: mockContender('a', { ttft_ms: 0, tokens_per_s: 0 }) }, races: { assistant: { champion: 'a' } } });
  const r = rng(20261206);
  const bodies: string[] = [];
  for (let i = 0; i < 600; i++) bodies.push(JSON.stringify(mutate(r)));
  // Deeply nested and very long inputs.
  bodies.push(`{"model":"assistant","input":${'['.repeat(5000)}"x"${']'.repeat(5000)}}`);
  bodies.push(`{"model":"assistant","input":[{"role":"user","content":${'['.repeat(3000)}${']'.repeat(3000)}}]}`);
  bodies.push(JSON.stringify({ model: 'assistant', input: Array.from({ length: 20_000 }, () => ({ type: 'function_call_output', call_id: 'c', output: 'x' })) }));
  bodies.push(JSON.stringify({ model: 'assistant', input: 'hi', metadata: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])) }));
  const statuses = new Map<number, number>();
  for (const body of bodies) {
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `${res.status} for ${body.slice(0, 200)}: ${text.slice(0, 200)}`);
    if (res.status !== 200) {
      const err = (JSON.parse(text) as { error: { message: unknown; type: unknown } }).error;
      assert.equal(typeof err.message, 'string');
      assert.equal(err.type, 'invalid_request_error');
    }
  }
  assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
  assert.ok((statuses.get(200) ?? 0) > 10, JSON.stringify([...statuses]));
  // Still serving.
  assert.equal((await gw.client.responses.create({ model: 'assistant', input: 'hi' })).status, 'completed');
});
