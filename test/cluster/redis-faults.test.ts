/**
 * Redis faults between a real gateway replica and a real Redis, through a fault-injecting TCP proxy: with Redis
 * unreachable, budgeted requests fail closed within 100 ms (the circuit, not a 5 s command timeout each), /ready
 * answers 503 promptly, and the replica recovers by itself when Redis returns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { clusterEnv, replicaDoc } from './cluster-harness.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The request spool of a test's gateway stays in a directory of the test's own. */
function spoolDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'saima-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const fault of ['refuse', 'blackhole'] as const) {
  test(`Redis unreachable (${fault}): fail closed within 100 ms, /ready 503 promptly, recovery without restart`, async (t) => {
    const env = await clusterEnv(t);
    const u = new URL(env.redisUrl);
    const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 6379));
    const doc = replicaDoc({ ...env, redisUrl: proxy.urlFor(env.redisUrl) }, {
      contenders: { m: { provider: 'mock', model: 'm', price: { input: 1, output: 1 }, mock: { default_answer: 'a b' } } },
      races: { r: { champion: 'm' } },
      budgets: { daily: { race: 'r', period: 'day', limit: 100, currency: 'CNY' } },
      store_options: { spool_path: join(spoolDir(t), 'spool.jsonl') },
    });
    const gw = await startServer(buildConfig(doc, {}), { logger: false, env: {} });
    t.after(() => gw.close());
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
    const ask = () => client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal((await ask()).choices[0]!.message.content, 'a b');

    proxy.set(fault);
    if (fault === 'refuse') proxy.reset();
    const t0 = performance.now();
    const ready = await fetch(`${gw.url}/ready`);
    const readyMs = performance.now() - t0;
    assert.equal(ready.status, 503);
    assert.ok(readyMs < 1_000, `/ready answered in ${readyMs.toFixed(0)} ms`);
    assert.equal(((await ready.json()) as { redis: boolean }).redis, false);

    // Once the circuit is open (a heartbeat or two), every budgeted request fails closed at once.
    const opened = performance.now();
    await pause(3_500); // a heartbeat period and three missed PONGs: the circuit is open by then
    const openMs = performance.now() - opened;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const err = await ask().then(() => null, (e: unknown) => e);
      times.push(performance.now() - s);
      assert.ok(err instanceof OpenAI.APIError && err.status === 503, 'fails closed with 503');
      assert.match(err.message, /Shared budgets are unavailable/);
    }
    times.sort((a, b) => a - b);
    const p50 = times[10]!;
    const max = times.at(-1)!;
    assert.ok(max < 100, `fail-closed answers: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`);

    proxy.set('pass');
    const back = performance.now();
    for (;;) {
      const ok = await ask().then(() => true, () => false);
      if (ok) break;
      assert.ok(performance.now() - back < 15_000, 'recovered within 15 s');
      await pause(50);
    }
    const recoveryMs = performance.now() - back;
    assert.equal((await fetch(`${gw.url}/ready`)).status, 200);
    t.diagnostic(`redis ${fault}: /ready 503 in ${readyMs.toFixed(0)} ms; fail-closed p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms; recovery ${recoveryMs.toFixed(0)} ms (asked after ${openMs.toFixed(0)} ms)`);
  });
}

test('a half-open Redis connection (the server side gone, ours looking alive) is dropped and replaced without restart', async (t) => {
  const env = await clusterEnv(t);
  const u = new URL(env.redisUrl);
  const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 6379));
  const doc = replicaDoc({ ...env, redisUrl: proxy.urlFor(env.redisUrl) }, {
    contenders: { m: { provider: 'mock', model: 'm', price: { input: 1, output: 1 }, mock: { default_answer: 'a b' } } },
    races: { r: { champion: 'm' } },
    budgets: { daily: { race: 'r', period: 'day', limit: 100, currency: 'CNY' } },
    store_options: { spool_path: join(spoolDir(t), 'spool.jsonl') },
  });
  const gw = await startServer(buildConfig(doc, {}), { logger: false, env: {} });
  t.after(() => gw.close());
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
  const ask = () => client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] });
  await ask();
  proxy.halfOpen();
  const t0 = performance.now();
  const outcomes: string[] = [];
  for (;;) {
    const s = performance.now();
    const r = await ask().then(() => 'ok', (e: unknown) => (e instanceof OpenAI.APIError ? String(e.status) : 'other'));
    outcomes.push(r);
    assert.ok(performance.now() - s < 6_000, 'no call waits past the command timeout');
    if (r === 'ok') break;
    assert.ok(performance.now() - t0 < 15_000, `recovered within 15 s: ${outcomes.join(' ')}`);
    await pause(50);
  }
  assert.ok(outcomes.every((o) => o === 'ok' || o === '503'), outcomes.join(' '));
  t.diagnostic(`redis half-open: recovered in ${(performance.now() - t0).toFixed(0)} ms after ${outcomes.length} calls`);
});
