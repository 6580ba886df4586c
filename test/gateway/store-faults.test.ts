/**
 * Store faults between a real gateway and a real PostgreSQL, through a fault-injecting TCP proxy: connections reset
 * with queries in flight, packets dropped, a store that comes back. What the client sees, how fast, and that no
 * upstream is called for an answer that could not be logged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import OpenAI from 'openai';
import { FaultProxy } from '../support/fault-proxy.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { storeUrlFor } from '../support/databases.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gatewayOverProxy(t: TestContext, storeOptions: Record<string, unknown> = {}, eventDelayMs = 5) {
  const direct = await storeUrlFor('postgres', t);
  const u = new URL(direct);
  const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 5432));
  const up = await startFakeOpenAI({ answer: 'one two three', eventDelayMs });
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
  let slowest = 0;
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
    slowest = Math.max(slowest, recovered.ms);
  }
  assert.equal((await fetch(`${g.url}/health`)).status, 200);
  t.diagnostic(`connection resets: 10 rounds survived; the slowest next call took ${slowest.toFixed(0)} ms`);
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
  let refusedMs = 0;
  for (const stream of [false, true]) {
    const refused = await timed(() => chat(g.client, stream).then(() => null, (e: unknown) => e));
    assert.ok(refused.value instanceof OpenAI.APIError, 'an OpenAI API error');
    assert.equal(refused.value.status, 503);
    assert.match(refused.value.message, /store is not answering/);
    assert.ok(refused.ms < 100, `refused in ${refused.ms.toFixed(1)} ms`);
    refusedMs = Math.max(refusedMs, refused.ms);
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
  t.diagnostic(`blackhole: /ready 503 in ${readyDown.ms.toFixed(0)} ms, known down after ${detectMs.toFixed(0)} ms, chat refused in ${refusedMs.toFixed(1)} ms, recovery ${back.ms.toFixed(0)} ms`);
});

/** Streams `n` calls and reads each to its end, recording every data line and how long the end took after `mark`. */
async function rawStreams(g: TestGateway, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
      return { id: res.headers.get('x-saima-request-id')!, status: res.status, events, endedAt: performance.now() };
    }),
  );
}

async function countRows(g: TestGateway, ids: string[]): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from requests where id in (${sql.join(ids)})`.execute(g.gw.store.db);
  return Number(r.rows[0]!.n);
}

test('the store dropping mid-stream: every stream still ends with [DONE], the rows go to the spool and are replayed exactly once', async (t) => {
  const { proxy, g } = await gatewayOverProxy(t, { log_commit_ms: 1_000 }, 150);
  const streams = rawStreams(g, 12);
  await pause(150); // every stream is under way (the answer takes ~5 events × 150 ms)
  proxy.set('blackhole');
  const cutAt = performance.now();
  const results = await streams;
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.events.at(-1), '[DONE]', `stream ${r.id} ended with [DONE]`);
  }
  const lastEnd = Math.max(...results.map((r) => r.endedAt)) - cutAt;
  assert.ok(lastEnd < 3_000, `every stream ended within ${lastEnd.toFixed(0)} ms of the outage`);
  assert.equal(g.gw.store.requestLog.rowsSpooled, 12, 'the 12 rows went to the spool');

  proxy.set('pass');
  const ids = results.map((r) => r.id);
  const t0 = performance.now();
  while ((await countRows(g, ids).catch(() => 0)) < 12 && performance.now() - t0 < 10_000) await pause(50);
  const replayMs = performance.now() - t0;
  assert.equal(await countRows(g, ids), 12, 'every spooled row is in the store');
  assert.equal(g.gw.store.requestLog.spoolPending, false, 'the spool is empty');
  // A second replay (another outage and return) must not write them again.
  g.gw.store.health.reportFailure(new Error('test: down again'));
  while (!g.gw.store.health.up) await pause(25);
  await pause(100);
  assert.equal(await countRows(g, ids), 12, 'exactly once');
  t.diagnostic(`store dropped mid-stream: last stream ended ${lastEnd.toFixed(0)} ms after the outage; rows replayed ${replayMs.toFixed(0)} ms after the store returned`);
});

test('a row neither committed nor spooled (spool full): the stream ends with an error event naming the log write, a non-stream call gets 503', async (t) => {
  const { proxy, g, up } = await gatewayOverProxy(t, { log_commit_ms: 500, spool_max_bytes: 10 }, 100);
  const streams = rawStreams(g, 3);
  await pause(100);
  proxy.set('blackhole');
  // A non-stream answer arrives whole: sent right after the outage began, before the gateway knows of it.
  const plain = fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }),
  });
  for (const r of await streams) {
    const last = JSON.parse(r.events.at(-1)!) as { error: { code: string; message: string } };
    assert.equal(last.error.code, 'service_unavailable');
    assert.match(last.error.message, /request log write failed: request spool is full/);
    assert.ok(!r.events.includes('[DONE]'));
  }
  const res = await plain;
  assert.equal(res.status, 503);
  const body = (await res.json()) as { error: { message: string } };
  assert.match(body.error.message, /could not be logged/);
  assert.equal(up.requests.length, 4);
});

test('rows spooled by a gateway that stopped while the store was down are replayed by the next one', async (t) => {
  const direct = await storeUrlFor('postgres', t);
  const u = new URL(direct);
  const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 5432));
  const dir = mkdtempSync(join(tmpdir(), 'saima-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = {
    store: proxy.urlFor(direct),
    store_options: { spool_path: join(dir, 'spool.jsonl'), log_commit_ms: 500 },
    contenders: { m: { provider: 'mock', model: 'm', price: { input: 1, output: 1 }, mock: { default_answer: 'a b c', latency_ms: 200 } } },
    races: { assistant: { champion: 'm' } },
  };
  const first = await startTestGateway(t, doc);
  const call = chat(first.client, true);
  await pause(50);
  proxy.set('blackhole');
  assert.equal(await call, 'a b c');
  assert.equal(first.gw.store.requestLog.rowsSpooled, 1);
  await first.gw.close();
  assert.ok(statSync(join(dir, 'spool.jsonl')).size > 0, 'the row is on disk');
  proxy.set('pass');
  const second = await startTestGateway(t, doc);
  const t0 = performance.now();
  while (second.gw.store.requestLog.spoolPending && performance.now() - t0 < 5_000) await pause(25);
  const n = await sql<{ n: number }>`select count(*) as n from requests`.execute(second.gw.store.db);
  assert.equal(Number(n.rows[0]!.n), 1);
});

test('half-open PostgreSQL connections (the server side gone, ours looking alive): calls recover within seconds', async (t) => {
  const { proxy, g } = await gatewayOverProxy(t, { log_commit_ms: 1_000 });
  // Warm the pool so several connections are idle in it.
  await Promise.all(Array.from({ length: 6 }, () => chat(g.client, true)));
  proxy.halfOpen();
  const t0 = performance.now();
  const outcomes: string[] = [];
  for (;;) {
    const r = await timed(() => chat(g.client, true).then(() => 'ok', (e: unknown) => (e instanceof OpenAI.APIError ? String(e.status) : 'other')));
    outcomes.push(r.value);
    assert.ok(r.ms < 3_000, `no call hangs: ${r.ms.toFixed(0)} ms`);
    if (r.value === 'ok' && g.gw.store.health.up && g.gw.store.requestLog.spoolPending === false) break;
    assert.ok(performance.now() - t0 < 10_000, `recovered within 10 s: ${outcomes.join(' ')}`);
    await pause(50);
  }
  assert.ok(outcomes.every((o) => o === 'ok' || o === '503'), `only answers or clear 503s: ${outcomes.join(' ')}`);
  const ids = await sql<{ n: number }>`select count(*) as n from requests`.execute(g.gw.store.db);
  assert.equal(Number(ids.rows[0]!.n), 6 + outcomes.filter((o) => o === 'ok').length, 'every answered call has its row');
  t.diagnostic(`half-open: recovered in ${(performance.now() - t0).toFixed(0)} ms; calls meanwhile: ${outcomes.join(' ')}`);
});

/** Starts a stream whose prompt is `content` and reads it to its end. */
async function rawStream(g: TestGateway, content: string) {
  const res = await fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'assistant', stream: true, messages: [{ role: 'user', content }] }),
    signal: AbortSignal.timeout(20_000),
  });
  const events = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  return { id: res.headers.get('x-saima-request-id')!, status: res.status, events };
}

test('a spooled row the store refuses for itself (damaged on disk) is quarantined, and the rows after it replay exactly once', async (t) => {
  const direct = await storeUrlFor('postgres', t);
  const u = new URL(direct);
  const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 5432));
  const up = await startFakeOpenAI({ answer: 'one two three', eventDelayMs: 150 });
  t.after(() => up.close());
  const g = await startTestGateway(t, {
    store: proxy.urlFor(direct),
    store_options: { log_commit_ms: 1_000 },
    contenders: { c: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'c', price: { input: 1, output: 1 }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'c', capture: true } },
  });
  const log = g.gw.store.requestLog;
  const spoolFile = g.gw.ctx.config.storeOptions.spoolPath!;
  const quarantineFile = `${spoolFile}.quarantine`;

  // The store drops while six streams are under way: their rows go to the spool.
  const results = await (async () => {
    const streams = Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((p) => rawStream(g, p)));
    await pause(150);
    proxy.set('blackhole');
    return streams;
  })();
  for (const r of results) assert.equal(r.events.at(-1), '[DONE]', `stream ${r.id} ended with [DONE]`);
  assert.equal(log.rowsSpooled, 6);
  // While the store is away, one spooled line is damaged on disk so that it still parses, but as a row PostgreSQL
  // refuses (a status that is not an integer), ahead of others in the file.
  const lines = readFileSync(spoolFile, 'utf8').trim().split('\n');
  assert.equal(lines.length, 6);
  const bad = (JSON.parse(lines[1]!) as { id: string }).id;
  lines[1] = lines[1]!.replace(/"status":200/, '"status":"OK"');
  writeFileSync(spoolFile, lines.join('\n') + '\n');
  const good = results.map((r) => r.id).filter((id) => id !== bad);

  proxy.set('pass');
  const t0 = performance.now();
  while ((log.spoolPending || (await countRows(g, good).catch(() => 0)) < 5) && performance.now() - t0 < 10_000) await pause(50);
  const replayMs = performance.now() - t0;
  assert.equal(await countRows(g, good), 5, 'the rows after the refused one are in the store');
  assert.equal(await countRows(g, [bad]), 0);
  assert.equal(log.spoolPending, false, 'the spool is not blocked');
  assert.equal(log.spoolQuarantined, 1);
  assert.equal(g.gw.store.health.up, true, 'a refused row is no outage');
  const kept = readFileSync(quarantineFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { error: string; row: { id: string; status: unknown } });
  assert.equal(kept.length, 1);
  assert.equal(kept[0]!.row.id, bad);
  assert.equal(kept[0]!.row.status, 'OK', 'the refused row is kept as it was');
  assert.match(kept[0]!.error, /invalid input syntax for type integer/);

  // Visible to an operator: /ready (still 200) and /metrics.
  const ready = await fetch(`${g.url}/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(((await ready.json()) as { spool: unknown }).spool, { pending_bytes: 0, quarantined: 1 });
  assert.match(await (await fetch(`${g.url}/metrics`)).text(), /^saima_request_spool_quarantined_rows 1$/m);

  // Another outage and return: nothing is written twice, nothing quarantined twice.
  g.gw.store.health.reportFailure(new Error('test: down again'));
  while (!g.gw.store.health.up) await pause(25);
  await pause(100);
  assert.equal(await countRows(g, good), 5, 'exactly once');
  assert.equal(readFileSync(quarantineFile, 'utf8').trim().split('\n').length, 1);
  t.diagnostic(`refused spooled row: quarantined, the other 5 rows replayed ${replayMs.toFixed(0)} ms after the store returned`);
});

test('a prompt and an answer with a NUL character (valid JSON, which PostgreSQL text cannot hold) are logged with U+FFFD, not refused', async (t) => {
  const up = await startFakeOpenAI({ answer: 'nul\u0000inside' });
  t.after(() => up.close());
  const g = await startTestGateway(t, {
    store: await storeUrlFor('postgres', t),
    contenders: { c: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'c', price: { input: 1, output: 1 } } },
    races: { assistant: { champion: 'c', capture: true } },
  });
  const r = await rawStream(g, 'a\u0000b');
  assert.equal(r.events.at(-1), '[DONE]');
  await g.gw.store.requestLog.flush();
  const row = await g.gw.store.requests.getRequest(r.id);
  assert.match(row?.promptText ?? '', /a\uFFFDb/);
  assert.equal(row?.responseText, 'nul\uFFFDinside');
  assert.equal(g.gw.store.requestLog.rowsSpooled, 0, 'committed, not spooled');
  assert.equal(g.gw.store.requestLog.spoolQuarantined, 0);
  assert.equal(g.gw.store.health.up, true);
});

test('PostgreSQL slow (delay through the proxy): calls answer, later, with their rows; slower than the probe deadline: clear 503s, then recovery', async (t) => {
  const { proxy, g } = await gatewayOverProxy(t);
  const base = await timed(() => chat(g.client, false));
  // 60 ms each way on every chunk: a round trip to the store costs 120 ms more.
  proxy.delay(60);
  const slow = await timed(() => chat(g.client, false));
  assert.equal(slow.value, 'one two three');
  assert.ok(slow.ms >= 120, `the answer waits for its row's commit: ${slow.ms.toFixed(0)} ms`);
  assert.equal(g.gw.store.health.up, true, 'slow is not down');
  const { id } = await rawStream(g, 'slow');
  await g.gw.store.requestLog.flush();
  assert.equal(await countRows(g, [id]), 1, 'the row committed');
  assert.equal(g.gw.store.requestLog.rowsSpooled, 0);

  // 400 ms each way: the health probe (500 ms deadline) fails, and calls are refused before any upstream is bought.
  proxy.delay(400);
  const t0 = performance.now();
  while (g.gw.store.health.up && performance.now() - t0 < 8_000) await pause(25);
  const downMs = performance.now() - t0;
  assert.equal(g.gw.store.health.up, false);
  const refused = await timed(() => chat(g.client, true).then(() => null, (e: unknown) => e));
  assert.ok(refused.value instanceof OpenAI.APIError && refused.value.status === 503, 'a clear 503');
  assert.ok(refused.ms < 100, `refused in ${refused.ms.toFixed(1)} ms`);

  proxy.delay(0);
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
  assert.ok(back.ms < 5_000, `recovered in ${back.ms.toFixed(0)} ms`);
  t.diagnostic(`slow store: +120 ms round trip → answer in ${slow.ms.toFixed(0)} ms (was ${base.ms.toFixed(0)} ms), row committed; +800 ms → known down after ${downMs.toFixed(0)} ms, refused in ${refused.ms.toFixed(1)} ms, recovery ${back.ms.toFixed(0)} ms after the delay ended`);
});

test('the store dropping during non-stream calls: each still gets its 200 answer once its row is spooled, and every row is replayed', async (t) => {
  const direct = await storeUrlFor('postgres', t);
  const u = new URL(direct);
  const proxy = await FaultProxy.start(t, u.hostname, Number(u.port || 5432));
  // The answers come 300 ms after the calls: the store is gone by then.
  const up = await startFakeOpenAI({ answer: 'one two three', headersDelayMs: 300 });
  t.after(() => up.close());
  const g = await startTestGateway(t, {
    store: proxy.urlFor(direct),
    store_options: { log_commit_ms: 1_000 },
    contenders: { c: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'c', price: { input: 1, output: 1 }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'c' } },
  });
  const calls = Promise.all(Array.from({ length: 4 }, () => timed(() => g.client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }).withResponse())));
  await pause(100);
  proxy.set('blackhole');
  const cutAt = performance.now();
  const answered = await calls;
  const lastAfterDrop = performance.now() - cutAt;
  const lastMs = Math.max(...answered.map((a) => a.ms));
  for (const a of answered) assert.equal(a.value.data.choices[0]!.message.content, 'one two three');
  assert.equal(g.gw.store.requestLog.rowsSpooled, 4);
  proxy.set('pass');
  const ids = answered.map((a) => a.value.response.headers.get('x-saima-request-id')!);
  const t0 = performance.now();
  while ((await countRows(g, ids).catch(() => 0)) < 4 && performance.now() - t0 < 10_000) await pause(50);
  assert.equal(await countRows(g, ids), 4);
  t.diagnostic(`store dropped during non-stream calls: every call answered 200 (the last ${lastAfterDrop.toFixed(0)} ms after the drop, ${lastMs.toFixed(0)} ms after it was sent); rows replayed ${(performance.now() - t0).toFixed(0)} ms after the store returned`);
});
