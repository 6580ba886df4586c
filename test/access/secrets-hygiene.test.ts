/**
 * Keys never leak: everything the gateway process printed (at debug level), every response body and header,
 * /metrics and the request log are searched for the admin key, a client key, the upstream's key and any
 * `sk-saima-` or bearer token.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { serveOnSqlite } from '../support/cli.js';

const ADMIN = 'sk-saima-hygiene-admin-key-0123456789abcdefghij';
const UPSTREAM_KEY = 'sk-upstream-very-secret-9f8e7d6c5b4a';

test('no key appears in logs, errors, metrics or the request log', async (t) => {
  // An upstream that quotes the key it was sent in its error, as real vendors do.
  let calls = 0;
  const upstream = createServer((req, res) => {
    calls++;
    const auth = req.headers.authorization ?? '';
    req.resume();
    req.on('end', () => {
      const status = calls % 2 === 0 ? 401 : 500;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${auth.slice(7)} (${auth}) at https://user:${UPSTREAM_KEY}@api.example/v1?api_key=${UPSTREAM_KEY}` } }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => upstream.close(() => r())));
  const port = (upstream.address() as AddressInfo).port;
  const gw = await serveOnSqlite(
    t,
    [
      'auth: { mode: keys }',
      'log: { level: debug }',
      'contenders:',
      `  leaky: { provider: openai, base_url: "http://127.0.0.1:${port}/v1", api_key: "\${LEAKY_KEY}", model: x, retry: { max_retries: 1, base_ms: 5 } }`,
      '  m: { provider: mock, model: m }',
      'races:',
      '  r: { champion: leaky, fallbacks: [m] }',
      '  bad: { champion: leaky }',
    ],
    { env: { SAIMA_ADMIN_KEY: ADMIN, LEAKY_KEY: UPSTREAM_KEY } },
  );
  const db = gw.db;
  const url = gw.url;
  const seen: string[] = [];
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, init);
    seen.push(JSON.stringify([...res.headers]), await res.text());
    return res;
  };
  const json = (key: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` });
  const created = await call('/admin/keys', { method: 'POST', headers: json(ADMIN), body: JSON.stringify({ team: 't', scopes: ['chat', 'feedback'] }) });
  const clientKey = (JSON.parse(seen.at(-1)!) as { key: string }).key;
  seen.pop(); // the one response that must show the new key, once
  assert.equal(created.status, 201);
  const body = JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal((await call('/v1/chat/completions', { method: 'POST', headers: json(clientKey), body })).status, 200, 'fell back to the mock');
  const failed = await call('/v1/chat/completions', { method: 'POST', headers: json(clientKey), body: body.replace('"r"', '"bad"') });
  assert.ok(failed.status >= 500);
  await call('/v1/chat/completions', { method: 'POST', headers: json(`${clientKey}x`), body });
  await call('/v1/chat/completions', { method: 'POST', headers: { ...json(clientKey), 'content-type': 'text/plain' }, body });
  await call('/admin/keys', { headers: json(ADMIN) });
  await call('/admin/requests?shadow=true', { headers: json(ADMIN) });
  await call('/metrics');
  gw.child.kill('SIGTERM');
  await gw.exited;
  const logRows = readFileSync(db).toString('latin1');
  const printed = gw.output();
  const everything = [printed, ...seen, logRows].join('\n');
  assert.ok(calls >= 2, 'the upstream was called');
  for (const secret of [ADMIN, clientKey, UPSTREAM_KEY, clientKey.slice(9), ADMIN.slice(9)]) {
    assert.ok(!everything.includes(secret), `leaked ${secret.slice(0, 14)}…`);
  }
  // Text output must not even show a key-like string (stored rows hold a 13-character display prefix by design).
  const text = [printed, ...seen].join('\n');
  const leak = /sk-saima-[A-Za-z0-9_-]{12,}/.exec(text);
  assert.equal(leak, null, `leaked near: ${leak ? text.slice(Math.max(0, leak.index - 80), leak.index + 60) : ''}`);
  assert.doesNotMatch(everything, /bearer\s+(?!\*\*\*)[A-Za-z0-9_-]{8,}/i);
});

/** Upstream keys of the shapes vendors really issue; none of them looks like `sk-…`. */
const SHAPED_KEYS = {
  ark: '3f2a9c4e-7b1d-4e8f-9a6c-5d2b8e1f0a7c',
  google: 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzYWltYSJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  short: 'Kp7x2Qw9',
  openai: 'sk-proj-shaped-0123456789abcdef',
  header: 'hdr-secret-value-5566',
};

test('secrets by value: keys of every shape, quoted by the upstream in 401, 500 and mid-stream errors, appear nowhere', async (t) => {
  // Quotes whatever credential it was sent: 401 on even calls, 500 on odd ones, and for streams a first chunk then an
  // error event that quotes it.
  let calls = 0;
  const upstream = createServer((req, res) => {
    calls++;
    const quoted = `${req.headers.authorization ?? ''} ${req.headers['x-goog-api-key'] ?? ''}`;
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      if ((JSON.parse(raw) as { stream?: boolean }).stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'x', choices: [{ index: 0, delta: { role: 'assistant', content: 'hel' }, finish_reason: null }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ error: { message: `key ${quoted} was revoked mid-stream`, type: 'invalid_request_error' } })}\n\n`);
        return;
      }
      res.writeHead(calls % 2 === 0 ? 401 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${quoted}` } }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => upstream.close(() => r())));
  const port = (upstream.address() as AddressInfo).port;
  const names = Object.keys(SHAPED_KEYS).filter((n) => n !== 'header');
  const gw = await serveOnSqlite(
    t,
    [
      'auth: { mode: keys }',
      'log: { level: debug }',
      'budgets:',
      `  hooked: { limit: 100, webhook: "http://127.0.0.1:${port}/hook?token=\${HOOK_TOKEN}" }`,
      'contenders:',
      ...names.map((n) => `  ${n}: { provider: openai, base_url: "http://127.0.0.1:${port}/v1", api_key: "\${KEY_${n.toUpperCase()}}", model: x, headers: { x-goog-api-key: "\${HEADER_KEY}" }, retry: { max_retries: 0 } }`),
    ],
    { env: { SAIMA_ADMIN_KEY: ADMIN, HEADER_KEY: SHAPED_KEYS.header, HOOK_TOKEN: 'hook-token-77aa88bb', ...Object.fromEntries(names.map((n) => [`KEY_${n.toUpperCase()}`, SHAPED_KEYS[n as keyof typeof SHAPED_KEYS]])) } },
  );
  const seen: string[] = [];
  const json = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` };
  for (const model of names) {
    for (const stream of [false, false, true]) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: json, body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) });
      seen.push(JSON.stringify([...res.headers]), await res.text());
    }
  }
  for (const path of ['/admin/requests?limit=1000', '/metrics', '/admin/races', '/admin/budgets']) seen.push(await (await fetch(`${gw.url}${path}`, { headers: json })).text());
  gw.child.kill('SIGTERM');
  await gw.exited;
  assert.ok(calls >= names.length * 3, 'the upstream was called');
  assert.ok(seen.some((s) => s.includes('was revoked mid-stream')), 'the mid-stream error event reached the client');
  const everything = [gw.output(), ...seen, readFileSync(gw.db).toString('latin1'), readFileSync(`${gw.db}-wal`, { flag: 'a+' }).toString('latin1')].join('\n');
  for (const [shape, secret] of Object.entries({ ...SHAPED_KEYS, hook: 'hook-token-77aa88bb', admin: ADMIN })) {
    const at = everything.indexOf(secret);
    assert.equal(at, -1, `the ${shape} secret leaked near: ${everything.slice(Math.max(0, at - 80), at + 40)}`);
  }
});
