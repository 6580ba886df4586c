/**
 * Store faults between a real gateway and a real PostgreSQL, through a fault-injecting TCP proxy: connections reset
 * with queries in flight, packets dropped, a store that comes back. What the client sees, how fast, and that no
 * upstream is called for an answer that could not be logged.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import OpenAI from 'openai';
import { FaultProxy } from '../support/fault-proxy.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { storeUrlFor } from '../support/databases.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gatewayOverProxy(t: TestContext, storeOptions: Record<string, unknown> = {}) {
  const direct = await storeUrlFor('postgres', t);
  const u = new URL(direct);
  const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 5432));
  const up = await startFakeOpenAI({ answer: 'one two three', eventDelayMs: 5 });
  t.after(() => up.close());
  const g = await startTestGateway(t, {
    store: proxy.urlFor(direct),
    store_options: storeOptions,
    contenders: { c: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'c', price: { input: 1, output: 1 }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'c' } },
  });
  return { proxy, up, g, direct };
}

async function chat(client: OpenAI, stream: boolean): Promise<string> {
  if (!stream) return (await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content ?? '';
  let text = '';
  for await (const c of await client.chat.completions.create({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += c.choices[0]?.delta.content ?? '';
  return text;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function ready(g: TestGateway): Promise<{ status: number; ms: number }> {
  const { ms, value } = await timed(() => fetch(`${g.url}/ready`).then((r) => r.status));
  return { status: value, ms };
}

test('the gateway survives a reset of every PostgreSQL connection with queries in flight, 10 times in a row', async (t) => {
  const { proxy, g } = await gatewayOverProxy(t);
  for (let round = 0; round < 10; round++) {
    // Queries held in flight on checked-out connections (pg_sleep), chat calls streaming and committing rows.
    const sleepers = Array.from({ length: 4 }, () => sql`select pg_sleep(2)`.execute(g.gw.store.db).then(() => 'done', (e: Error) => e.message));
    const calls = Array.from({ length: 6 }, (_, i) => chat(g.client, i % 2 === 0).then(() => 'ok', () => 'failed'));
    for (let i = 0; i < 100 && proxy.open < 5; i++) await pause(20);
    await pause(20);
    assert.ok(proxy.open >= 4, `round ${round}: connections open before the reset (${proxy.open})`);
    proxy.reset();
    const outcomes = await Promise.all(sleepers);
    assert.ok(outcomes.every((o) => o !== 'done' && /terminated|ECONNRESET|closed/i.test(o)), `round ${round}: the in-flight queries fail on their own: ${outcomes.join(' | ')}`);
    await Promise.all(calls);
    // And the next call goes through on fresh connections, without a restart.
    const recovered = await timed(async () => {
      for (;;) {
        try {
          return await chat(g.client, true);
        } catch {
          await pause(50);
        }
      }
    });
    assert.equal(recovered.value, 'one two three');
    assert.ok(recovered.ms < 5_000, `round ${round}: recovered in ${recovered.ms.toFixed(0)} ms`);
  }
  assert.equal((await fetch(`${g.url}/health`)).status, 200);
});

test('PostgreSQL unreachable: /ready answers 503 within 1 s, chat fails fast with 503 before any upstream call, and recovers without restart', async (t) => {
  const { proxy, up, g } = await gatewayOverProxy(t);
  assert.equal(await chat(g.client, false), 'one two three');
  assert.equal((await ready(g)).status, 200);

  proxy.set('blackhole');
  const readyDown = await ready(g);
  assert.equal(readyDown.status, 503);
  assert.ok(readyDown.ms < 1_000, `/ready took ${readyDown.ms.toFixed(0)} ms`);

  // Within a few heartbeats the gateway knows, and refuses calls at once without buying an answer.
  const t0 = performance.now();
  while (g.gw.store.health.up && performance.now() - t0 < 5_000) await pause(25);
  const detectMs = performance.now() - t0;
  assert.equal(g.gw.store.health.up, false, 'the store is known to be down');
  const callsBefore = up.requests.length;
  for (const stream of [false, true]) {
    const refused = await timed(() => chat(g.client, stream).then(() => null, (e: unknown) => e));
    assert.ok(refused.value instanceof OpenAI.APIError, 'an OpenAI API error');
    assert.equal(refused.value.status, 503);
    assert.match(refused.value.message, /store is not answering/);
    assert.ok(refused.ms < 100, `refused in ${refused.ms.toFixed(1)} ms`);
  }
  assert.equal(up.requests.length, callsBefore, 'no upstream call was made while the store was down');

  proxy.set('pass');
  const back = await timed(async () => {
    for (;;) {
      try {
        return await chat(g.client, true);
      } catch {
        await pause(25);
      }
    }
  });
  assert.equal(back.value, 'one two three');
  assert.ok(back.ms < 3_000, `recovered in ${back.ms.toFixed(0)} ms`);
  assert.equal((await ready(g)).status, 200);
  t.diagnostic(`blackhole: /ready 503 in ${readyDown.ms.toFixed(0)} ms, known down after ${detectMs.toFixed(0)} ms, recovery ${back.ms.toFixed(0)} ms`);
});

export type { FakeOpenAI };
