/**
 * More than 1,000 malformed or hostile requests, generated from a seed: every one gets a 4xx in OpenAI's error
 * shape (or a 200 when the mutation happens to stay valid), never a 5xx, and the gateway keeps serving.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

interface Case {
  label: string;
  body: string | Buffer;
  contentType?: string | null;
  method?: string;
  path?: string;
}

function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const VALID = { model: 'assistant', messages: [{ role: 'user', content: 'hi' }] };
const WEIRD_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e309, -0, '', ' ', 'x'.repeat(300), '\u0000', '\ud800', [], [null], {}, { a: 1 }, [[[]]], '{"a":1}', 'true', Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
const FIELDS = ['model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'n', 'user', 'temperature', 'tools'];
const MESSAGE_MUTATIONS: unknown[] = [
  'hello',
  [null],
  [1],
  ['user'],
  [{}],
  [{ role: 'user' }],
  [{ role: 'robot', content: 'x' }],
  [{ role: 'user', content: 5 }],
  [{ role: 'user', content: { text: 'x' } }],
  [{ role: 5, content: 'x' }],
  [{ role: 'user', content: null }],
  [{ role: 'system', content: 'x' }, { role: 'user' }],
];

function generate(): Case[] {
  const r = rng(20251129);
  const cases: Case[] = [];
  // Field-by-field type confusion.
  for (const field of FIELDS) {
    for (const v of WEIRD_VALUES) cases.push({ label: `${field}=${JSON.stringify(v)}`, body: JSON.stringify({ ...VALID, [field]: v }) });
  }
  for (const m of MESSAGE_MUTATIONS) cases.push({ label: `messages=${JSON.stringify(m)}`, body: JSON.stringify({ ...VALID, messages: m }) });
  for (const field of ['model', 'messages']) {
    const { [field as 'model']: _drop, ...rest } = VALID;
    cases.push({ label: `missing ${field}`, body: JSON.stringify(rest) });
  }
  // Not-an-object bodies.
  for (const b of ['null', '[]', '1', '"text"', 'true', '[{"model":"assistant"}]']) cases.push({ label: `body ${b}`, body: b });
  // Syntax errors: truncations and random byte flips of a valid body.
  const valid = JSON.stringify({ ...VALID, stream: false, max_tokens: 20 });
  for (let i = 1; i < valid.length; i += 2) cases.push({ label: `truncated at ${i}`, body: valid.slice(0, i) });
  while (cases.length < 1000) {
    const bytes = Buffer.from(valid);
    const flips = 1 + Math.floor(r() * 4);
    for (let k = 0; k < flips; k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    cases.push({ label: `flipped bytes ${cases.length}`, body: bytes });
  }
  // Prototype pollution, deep nesting, huge numbers, duplicate keys.
  cases.push({ label: '__proto__', body: '{"model":"assistant","messages":[{"role":"user","content":"x"}],"__proto__":{"admin":true}}' });
  cases.push({ label: 'constructor.prototype', body: '{"model":"assistant","messages":[],"constructor":{"prototype":{"x":1}}}' });
  cases.push({ label: 'deep array', body: `{"model":"assistant","messages":${'['.repeat(5000)}${']'.repeat(5000)}}` });
  cases.push({ label: 'deep object', body: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}` });
  cases.push({ label: 'very deep array', body: `${'['.repeat(200_000)}${']'.repeat(200_000)}` });
  cases.push({ label: 'huge number', body: `{"model":"assistant","messages":[{"role":"user","content":"x"}],"max_tokens":1${'0'.repeat(400)}}` });
  cases.push({ label: 'unknown model', body: JSON.stringify({ ...VALID, model: 'no-such-model' }) });
  cases.push({ label: 'empty body', body: '' });
  cases.push({ label: 'whitespace body', body: '   \n ' });
  cases.push({ label: 'body over the limit', body: JSON.stringify({ ...VALID, pad: 'x'.repeat(70_000) }) });
  // Wrong media types and methods, unknown routes.
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', null]) {
    cases.push({ label: `content-type ${ct}`, body: JSON.stringify(VALID), contentType: ct });
  }
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) cases.push({ label: `${method} chat`, body: '', method, contentType: null });
  for (const path of ['/v1/chat/completion', '/v1/completions', '/v2/chat/completions', '/v1/chat/completions/../../etc/passwd', '/%ff', '/v1/models/../../x']) {
    cases.push({ label: `path ${path}`, body: JSON.stringify(VALID), path });
  }
  // Feedback endpoint garbage.
  for (const v of WEIRD_VALUES) cases.push({ label: `feedback ${JSON.stringify(v)}`, body: JSON.stringify({ request_id: v, score: v }), path: '/v1/feedback' });
  return cases;
}

test('1,000+ hostile requests: 4xx in the OpenAI error shape, never a 5xx, gateway still healthy', async (t) => {
  const { url } = await startTestGateway(t, {
    server: { host: '127.0.0.1', port: 0, body_limit_bytes: 65_536 },
    contenders: { m: mockContender('m') },
    races: { assistant: { champion: 'm' } },
  });
  const cases = generate();
  assert.ok(cases.length >= 1000, `only ${cases.length} cases`);
  const statuses = new Map<number, number>();
  for (let i = 0; i < cases.length; i += 16) {
    await Promise.all(
      cases.slice(i, i + 16).map(async (c) => {
        const headers: Record<string, string> = {};
        if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
        const res = await fetch(`${url}${c.path ?? '/v1/chat/completions'}`, {
          method: c.method ?? 'POST',
          headers,
          ...(c.method && c.method !== 'POST' ? {} : { body: c.body }),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${c.label}: status ${res.status} ${text.slice(0, 200)}`);
        if (res.status >= 400) {
          const body = JSON.parse(text) as { error: Record<string, unknown> };
          const e = body.error;
          assert.equal(typeof e.message, 'string', c.label);
          assert.equal(typeof e.type, 'string', c.label);
          assert.equal(typeof e.code, 'string', c.label);
          assert.ok(e.param === null || typeof e.param === 'string', c.label);
          assert.doesNotMatch(String(e.message), /\n\s+at /, `${c.label}: stack trace leaked`);
          assert.ok(res.headers.get('x-saima-request-id'), `${c.label}: request id header`);
        }
      }),
    );
  }
  assert.ok((statuses.get(400) ?? 0) > 500, `mostly 400s: ${JSON.stringify([...statuses])}`);
  assert.ok(statuses.get(413), 'the oversize body got 413');
  assert.ok(statuses.get(415), 'wrong media types got 415');
  assert.ok(statuses.get(404), 'unknown routes and models got 404');
  const health = await fetch(`${url}/health`);
  assert.equal(health.status, 200);
  const ok = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(VALID) });
  assert.equal(ok.status, 200);
});
