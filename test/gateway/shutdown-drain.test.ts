/**
 * SIGTERM while streams are open: `saima serve` stops accepting, lets a stream that ends within the grace period
 * finish with `[DONE]`, cuts one that would not with the error event, records both in the request log before the
 * store closes, and exits 0 without ever logging "request log is closed". A streamed arena match still open at the
 * end of the grace period is cut the same way, its two calls logged and the match not stored.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { serveOnSqlite } from '../support/cli.js';

const WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');

interface Served {
  url: string;
  db: string;
  exited: Promise<number | null>;
  stderr: () => string;
  sigterm: () => void;
}

async function serve(t: TestContext, graceMs: number): Promise<Served> {
  const gw = await serveOnSqlite(
    t,
    [
      'auth: { mode: none }',
      'contenders:',
      // About 40 tokens at 20 tokens/s: a stream of about 2 s.
      `  slow: { provider: mock, model: slow, price: { input: 1, output: 2 }, mock: { latency_ms: 1, ttft_ms: 1, tokens_per_s: 20, default_answer: "${WORDS}" } }`,
      // An arena match's two answers, each arriving whole after 4 s.
      '  ponder-a: { provider: mock, model: pa, price: { input: 1, output: 2 }, mock: { latency_ms: 4000, default_answer: "a" } }',
      '  ponder-b: { provider: mock, model: pb, price: { input: 1, output: 2 }, mock: { latency_ms: 4000, default_answer: "b" } }',
      'races:',
      '  duel: { champion: ponder-a, challengers: [{ contender: ponder-b, weight: 50 }] }',
    ],
    { env: { SAIMA_SHUTDOWN_GRACE_MS: String(graceMs) } },
  );
  return { url: gw.url, db: gw.db, exited: gw.exited, stderr: gw.output, sigterm: () => void gw.child.kill('SIGTERM') };
}

/** Opens a stream, waits for its first bytes, then sends SIGTERM; returns the whole body and the request id. */
async function streamThroughSigterm(gw: Served): Promise<{ body: string; id: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'Count.' }] }),
  });
  assert.equal(res.status, 200);
  const id = res.headers.get('x-saima-request-id')!;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let body = '';
  let signalled = false;
  for (;;) {
    let r: Awaited<ReturnType<typeof reader.read>>;
    try {
      r = await reader.read();
    } catch (err) {
      assert.fail(`the stream broke instead of ending: ${(err as Error).message}; got ${body}`);
    }
    if (r.done) break;
    body += decoder.decode(r.value, { stream: true });
    if (!signalled && body.includes('"content":"w')) {
      signalled = true;
      gw.sigterm();
    }
  }
  return { body, id };
}

/** The answer text the stream's content deltas carry. */
function contentOf(body: string): string {
  let text = '';
  for (const m of body.matchAll(/"content":"([^"]*)"/g)) text += m[1];
  return text;
}

function rowOf(db: string, id: string): { outcome: string; error_code: string | null; stream: number } | undefined {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('select outcome, error_code, stream from requests where id = ?').get(id) as never;
  } finally {
    d.close();
  }
}

test('SIGTERM mid-stream: the stream finishes with [DONE] within the grace period, is logged, and the gateway exits 0', async (t) => {
  const gw = await serve(t, 20_000);
  const { body, id } = await streamThroughSigterm(gw);
  assert.match(body, /data: \[DONE\]\s*$/, `the stream ended normally: ${body.slice(-300)} | ${gw.stderr()}`);
  assert.equal(contentOf(body), WORDS, 'with the whole answer');
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.doesNotMatch(gw.stderr(), /request log is closed/);
  const row = rowOf(gw.db, id);
  assert.equal(row?.outcome, 'ok', `the row is in the log: ${JSON.stringify(row)}`);
});

test('SIGTERM mid-stream: a stream that outlives the grace period is cut with the error event, logged, and the gateway exits 0', async (t) => {
  const gw = await serve(t, 300);
  const t0 = performance.now();
  const { body, id } = await streamThroughSigterm(gw);
  const tookMs = performance.now() - t0;
  assert.doesNotMatch(body, /\[DONE\]/);
  assert.ok(contentOf(body).length < WORDS.length, 'cut before the end of the answer');
  const last = body.trim().split('\n\n').at(-1)!;
  const event = JSON.parse(last.replace(/^data: /, '')) as { error: { code: string; type: string; message: string } };
  assert.equal(event.error.code, 'server_shutting_down', last);
  assert.ok(tookMs < 1_800, `cut after the grace period, not at the end of the answer (${tookMs.toFixed(0)} ms)`);
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.doesNotMatch(gw.stderr(), /request log is closed/);
  const row = rowOf(gw.db, id);
  assert.equal(row?.outcome, 'cut', `recorded as a cut stream: ${JSON.stringify(row)}`);
  assert.equal(row?.error_code, 'server_shutting_down');
});

test('SIGTERM, then the client hangs up mid-stream: its row is still committed before the store closes', async (t) => {
  const gw = await serve(t, 20_000);
  const ac = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'Count.' }] }),
    signal: ac.signal,
  });
  const id = res.headers.get('x-saima-request-id')!;
  const reader = res.body!.getReader();
  let body = '';
  while (!body.includes('"content":"w')) body += new TextDecoder().decode((await reader.read()).value);
  gw.sigterm();
  // The connection going away lets the HTTP server close while the handler still has its row to write.
  await new Promise((r) => setTimeout(r, 100));
  ac.abort();
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.doesNotMatch(gw.stderr(), /request log is closed/);
  const row = rowOf(gw.db, id);
  assert.equal(row?.error_code, 'client_closed', `the row is in the log: ${JSON.stringify(row)}`);
});

test('SIGTERM mid arena match: the match is cut at the grace period, told so, not stored, both calls logged, and the gateway exits 0', async (t) => {
  const gw = await serve(t, 300);
  const answered = fetch(`${gw.url}/v1/arena/match`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ race: 'duel', prompt: 'Count.', stream: true }),
  });
  // Both calls are now waiting on their 4 s answers.
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  gw.sigterm();
  const res = await answered;
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.ok(performance.now() - t0 < 2_500, 'cut after the grace period, not when the answers arrive');
  assert.doesNotMatch(body, /match\.stored/, 'a match cut by the shutdown takes no vote');
  assert.match(body, /"code":"server_shutting_down"/, `the voter is told why: ${body.slice(-300)}`);
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.doesNotMatch(gw.stderr(), /request log is closed/);
  const d = new Database(gw.db, { readonly: true });
  try {
    const rows = d.prepare("select contender, error_code from requests where race = 'duel' and shadow = 1 order by contender").all() as Array<{ contender: string; error_code: string | null }>;
    assert.deepEqual(rows.map((r) => r.contender), ['ponder-a', 'ponder-b'], `both calls are in the log: ${JSON.stringify(rows)} | ${gw.stderr()}`);
  } finally {
    d.close();
  }
});
