/**
 * Property tests over the public HTTP surface, with fast-check: random and hostile chat bodies, headers, feedback,
 * arena and admin bodies and query strings, sent to a real gateway with keys, rate limits and budgets. Every answer
 * is a success or a well-formed OpenAI error (never a 5xx: no upstream fault is injected here), every number on
 * /metrics, in the budgets and in the rate-limit headers stays finite, and the process stays up and responsive.
 * The seed is fixed so CI is repeatable; set SAIMA_FUZZ_SEED (and SAIMA_FUZZ_RUNS) to explore further.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TEST_ADMIN_KEY, mockContender, startTestGateway } from '../support/gateway.js';

const SEED = Number(process.env.SAIMA_FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.SAIMA_FUZZ_RUNS ?? 400);

/** Numbers a hostile client reaches for first. */
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 1.5, -0, 4096, 128, 129),
  fc.double({ noNaN: true }),
  fc.integer(),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.string({ maxLength: 40 }),
  fc.constantFrom('hot', '', '1e308', 'NaN', 'Infinity', '__proto__', 'constructor', '\u0000', '赛马'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), hostileNumber), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), hostileNumber), { maxKeys: 4 }),
);
const PARAMS = ['max_tokens', 'max_completion_tokens', 'n', 'temperature', 'top_p', 'stop', 'stream', 'stream_options', 'user', 'tools', 'tool_choice', 'functions', 'response_format', 'logit_bias', 'seed', 'presence_penalty', 'logprobs', 'top_logprobs', 'metadata', 'prediction', 'enable_thinking'];

const contentPart = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.oneof(fc.string({ maxLength: 200 }), hostileValue) }),
  fc.record({ type: fc.constant('image_url'), image_url: fc.oneof(fc.record({ url: fc.string({ maxLength: 60 }) }), hostileValue) }),
  fc.record({ type: fc.string({ maxLength: 10 }) }),
  hostileValue,
);
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'user', 'assistant', 'tool', 'developer', 'function'), content: fc.oneof(fc.string({ maxLength: 300 }), fc.array(contentPart, { maxLength: 3 }), hostileValue) }, { requiredKeys: ['role'] }),
  hostileValue,
);
const chatBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom('r', 'm', 'cheap', 'nope'), hostileValue),
    messages: fc.oneof(fc.array(message, { minLength: 1, maxLength: 4 }), hostileValue),
    extra: fc.dictionary(fc.constantFrom(...PARAMS), hostileValue, { maxKeys: 5 }),
  },
  { requiredKeys: ['extra'] },
).map(({ extra, ...rest }) => ({ ...rest, ...extra }));

const authHeader = fc.oneof(
  fc.constant(`Bearer ${TEST_ADMIN_KEY}`),
  fc.constant(`bearer ${TEST_ADMIN_KEY}`),
  fc.constant(`Bearer ${TEST_ADMIN_KEY} `),
  fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 300 }),
  fc.constant(undefined),
);

interface Sent {
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  auth?: string | undefined;
  headers?: Record<string, string>;
}

const arenaOrFeedback: fc.Arbitrary<Sent> = fc.oneof(
  fc.record({ request_id: fc.oneof(fc.string({ maxLength: 40 }), hostileValue), thumbs: hostileValue, score: hostileValue, comment: hostileValue }, { requiredKeys: [] }).map((body) => ({ method: 'POST', path: '/v1/feedback', body })),
  fc.record({ race: fc.oneof(fc.constant('r'), hostileValue), prompt: hostileValue, messages: hostileValue, max_tokens: hostileValue, temperature: hostileValue, stream: hostileValue }, { requiredKeys: [] }).map((body) => ({ method: 'POST', path: '/v1/arena/match', body })),
  fc.record({ match_id: hostileValue, winner: fc.oneof(fc.constantFrom('a', 'b', 'tie', 'both_bad'), hostileValue) }, { requiredKeys: [] }).map((body) => ({ method: 'POST', path: '/v1/arena/vote', body })),
  fc.oneof(hostileValue, fc.record({ data: fc.array(fc.record({ prompt: hostileValue, contender_a: fc.constantFrom('m', 'cheap', 'x'), contender_b: fc.constantFrom('m', 'cheap', 'y'), winner: hostileValue, race: hostileValue, ts: hostileValue }, { requiredKeys: [] }), { maxLength: 3 }) })).map((body) => ({ method: 'POST', path: '/v1/arena/battles', body })),
);

const queryString = fc.dictionary(fc.constantFrom('since', 'limit', 'team', 'race', 'contender', 'by', 'shadow', 'tag', 'style', 'language', 'source', 'x', 'rounds'), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('1e308', '-1', '0', 'NaN', '7d', '99999999999999999999d', 'day,contender', '%ff', 'true')), { maxKeys: 4 });
const adminCall: fc.Arbitrary<Sent> = fc.oneof(
  fc.tuple(fc.constantFrom('/admin/requests', '/admin/feedback', '/admin/spend', '/admin/budgets', '/admin/races', '/admin/races/r', '/admin/races/r/decisions', '/v1/arena/leaderboard', '/v1/arena/battles', '/admin/evals', '/v1/models', '/health', '/ready', '/metrics'), queryString).map(([path, q]) => ({
    method: 'GET',
    path: `${path}?${Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
  })),
  fc.record({ team: hostileValue, scopes: hostileValue, races: hostileValue, expires: hostileValue, rpm: hostileValue, tpm: hostileValue }, { requiredKeys: [] }).map((body) => ({ method: 'POST', path: '/admin/keys', body })),
  fc.tuple(fc.constantFrom('weights', 'promote', 'rollback', 'unfreeze'), fc.record({ contender: hostileValue, weight: hostileValue, reason: hostileValue }, { requiredKeys: [] })).map(([action, body]) => ({ method: 'POST', path: `/admin/races/r/${action}`, body })),
);

const rawBody: fc.Arbitrary<Sent> = fc.tuple(fc.constantFrom('/v1/chat/completions', '/v1/feedback', '/admin/keys'), fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '{"__proto__":{"a":1}}', '{"constructor":{"prototype":{}}}', '\ufeff{}', '{"model":"r","messages":[{"role":"user","content":"\\ud800"}]}')), fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', '')).map(([path, raw, type]) => ({
  method: 'POST',
  path,
  raw,
  headers: (type ? { 'content-type': type } : {}) as Record<string, string>,
}));

const anyCall: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(chatBody, authHeader, fc.option(fc.string({ maxLength: 300 }))).map(([body, auth, user]) => ({ method: 'POST', path: '/v1/chat/completions', body, auth, ...(user !== null ? { headers: { 'x-saima-user': user } } : {}) })) },
  { weight: 2, arbitrary: arenaOrFeedback },
  { weight: 2, arbitrary: adminCall },
  { weight: 1, arbitrary: rawBody },
);

function finiteHeaders(headers: Headers, where: string): void {
  for (const [name, value] of headers) {
    if (name.startsWith('x-ratelimit-') || name === 'retry-after') assert.doesNotMatch(value, /NaN|Infinity|undefined/, `${where}: ${name}: ${value}`);
  }
}

test('fuzz: every answer is a success or an OpenAI error, no 5xx, every counter finite, the process up', { timeout: 170_000 }, async (t) => {
  const { url } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { m: mockContender('m'), cheap: { ...mockContender('cheap'), price: { input: 0, output: 0, currency: 'CNY' } } },
    races: { r: { champion: 'm', challengers: [{ contender: 'cheap', weight: 30 }] } },
    teams: { admin: { limits: { rpm: 100_000, tpm: 50_000_000 } } },
    key_defaults: { evidence_rpm: 100_000 },
    budgets: { month: { team: 'admin', period: 'month', limit: 100_000, on_exceed: 'downgrade', downgrade_to: 'cheap' }, race: { race: 'r', limit: 50_000 } },
  });
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(anyCall, async (call) => {
      sent++;
      const auth = 'auth' in call ? call.auth : `Bearer ${TEST_ADMIN_KEY}`;
      const headers: Record<string, string> = { ...(auth !== undefined ? { authorization: auth } : {}), ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...call.headers };
      let res: Response;
      try {
        res = await fetch(`${url}${call.path}`, {
          method: call.method,
          headers,
          ...(call.raw !== undefined ? { body: call.raw } : call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
          signal: AbortSignal.timeout(20_000),
        });
      } catch (err) {
        // A header value fetch itself refuses to send (a control character) never reaches the gateway.
        if (err instanceof TypeError && /header|ByteString/i.test(String(err.message) + String((err as { cause?: Error }).cause?.message))) return;
        throw err;
      }
      const where = `${call.method} ${call.path} ${JSON.stringify(call.body ?? call.raw)?.slice(0, 300)}`;
      const text = await res.text();
      assert.ok(res.status < 500, `${where}: ${res.status} ${text.slice(0, 300)}`);
      finiteHeaders(res.headers, where);
      if (res.status >= 400) {
        const body = JSON.parse(text) as { error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } };
        assert.equal(typeof body.error?.message, 'string', where);
        assert.equal(typeof body.error?.type, 'string', where);
        assert.equal(typeof body.error?.code, 'string', where);
        assert.ok(body.error?.param === null || typeof body.error?.param === 'string', where);
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  assert.ok(sent >= RUNS);
  const health = await fetch(`${url}/health`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  for (const line of metrics.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    assert.doesNotMatch(line, /\s(NaN|[+-]?Inf)$/, `a poisoned metric: ${line}`);
  }
  const budgets = (await (await fetch(`${url}/admin/budgets`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json()) as { data: Array<Record<string, unknown>> };
  for (const b of budgets.data) for (const k of ['spent', 'reserved', 'limit']) assert.ok(Number.isFinite(b[k]), `budget ${b.name} ${k} = ${b[k]}`);
});
