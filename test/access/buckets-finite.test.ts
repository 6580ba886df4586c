/**
 * No client and no upstream can poison a token bucket: `max_tokens: 1e308` against a full TPM bucket, and an upstream
 * that reports 1e308 tokens of usage, leave every bucket finite, its debt bounded at one capacity, every
 * `x-ratelimit-*` and `retry-after` header a finite number, and the bucket refilling: in this process (the clock is
 * moved two minutes on and a request passes again) and in Redis (the hash holds a finite level and always has a
 * TTL). Before, the in-process bucket became NaN until a restart (429 `retry-after: NaN`), and the Redis hash kept
 * `level -inf` with no TTL, blocking the team for good.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { TEST_ADMIN_KEY, startTestGateway } from '../support/gateway.js';
import { clusterEnv, startReplicas } from '../cluster/cluster-harness.js';

const TPM = 2000;

async function hostileDoc() {
  const sane = await startFakeOpenAI({ answer: 'fine', usage: { prompt_tokens: 10, completion_tokens: 5 } });
  const liar = await startFakeOpenAI({ answer: 'fine', usage: { prompt_tokens: 1e308, completion_tokens: 1e308 } });
  return {
    upstreams: [sane, liar],
    doc: {
      auth: { mode: 'keys' },
      contenders: {
        sane: { provider: 'openai', base_url: sane.url, api_key: 'k', model: 'x', max_output_tokens: 100, price: { input: 1, output: 1 } },
        liar: { provider: 'openai', base_url: liar.url, api_key: 'k', model: 'x', max_output_tokens: 100, price: { input: 1, output: 1 } },
      },
      teams: { admin: { limits: { tpm: TPM, rpm: 1000 } } },
    },
  };
}

interface Sent {
  status: number;
  headers: Record<string, string>;
}

async function chat(url: string, body: Record<string, unknown>): Promise<Sent> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers) };
}

function assertFiniteHeaders(s: Sent, what: string): void {
  assert.ok(s.status < 500, `${what}: ${s.status}`);
  for (const [name, value] of Object.entries(s.headers)) {
    if (!name.startsWith('x-ratelimit-') && name !== 'retry-after') continue;
    assert.doesNotMatch(value, /NaN|Infinity|-/, `${what}: ${name}: ${value}`);
  }
  if (s.headers['retry-after'] !== undefined) assert.ok(Number(s.headers['retry-after']) <= 120, `${what}: retry-after ${s.headers['retry-after']}`);
}

test('single node: hostile token counts leave the bucket finite and refilling', async (t) => {
  const { upstreams, doc } = await hostileDoc();
  t.after(() => Promise.all(upstreams.map((u) => u.close())));
  let now = Date.now();
  const { url } = await startTestGateway(t, doc, { now: () => now });
  assertFiniteHeaders(await chat(url, { model: 'sane' }), 'a plain call');
  assertFiniteHeaders(await chat(url, { model: 'sane', max_tokens: 1e308, n: 2 }), 'max_tokens 1e308');
  assertFiniteHeaders(await chat(url, { model: 'sane', max_tokens: 1e308 }), 'max_tokens 1e308 again');
  assertFiniteHeaders(await chat(url, { model: 'liar' }), 'an upstream reporting 1e308 tokens');
  const after = await chat(url, { model: 'sane' });
  assertFiniteHeaders(after, 'the next call');
  // Two minutes later the bucket is full again, whatever it was charged.
  now += 121_000;
  const later = await chat(url, { model: 'sane', max_tokens: 10 });
  assert.equal(later.status, 200);
  assert.ok(Number(later.headers['x-ratelimit-remaining-tokens']) > TPM / 2, later.headers['x-ratelimit-remaining-tokens']);
});

test('three replicas: hostile token counts leave the Redis bucket finite, bounded and expiring', async (t) => {
  const env = await clusterEnv(t);
  const { upstreams, doc } = await hostileDoc();
  t.after(() => Promise.all(upstreams.map((u) => u.close())));
  const replicas = await startReplicas(t, env, doc, 3, { env: { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY } });
  const sends: Array<[string, Record<string, unknown>]> = [
    ['a plain call', { model: 'sane' }],
    ['max_tokens 1e308', { model: 'sane', max_tokens: 1e308, n: 2 }],
    ['an upstream reporting 1e308 tokens', { model: 'liar' }],
    ['the next call', { model: 'sane' }],
  ];
  for (const [i, [what, body]] of sends.entries()) assertFiniteHeaders(await chat(replicas[i % 3]!.url, body), what);
  // Settles travel in batches: give the last one time to land.
  await new Promise((r) => setTimeout(r, 200));
  const keys = await env.redis.keys(`${env.prefix}*rl:team:admin:tpm`);
  assert.equal(keys.length, 1, `bucket keys: ${keys.join(', ')}`);
  const bucket = await env.redis.hgetall(keys[0]!);
  const level = Number(bucket.level);
  assert.ok(Number.isFinite(level) && level >= -TPM && level <= TPM, `level ${bucket.level}`);
  const ttl = await env.redis.pttl(keys[0]!);
  assert.ok(ttl > 0 && ttl <= 3 * 60_000, `ttl ${ttl}`);
});
