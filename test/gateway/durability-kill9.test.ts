/**
 * Kill -9 the gateway process mid-load: every request whose response the client saw complete (a whole JSON body,
 * or a stream through `[DONE]`) must already be in the SQLite request log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { serveOnSqlite } from '../support/cli.js';

test('after kill -9 mid-load, every request the client saw complete is in the log', async (t) => {
  const { url, child, exited, db } = await serveOnSqlite(t, [
    'auth: { mode: none }',
    'log: { level: silent }',
    'contenders:',
    '  m: { provider: mock, model: m, price: { input: 1, output: 2 }, mock: { latency_ms: 2, ttft_ms: 3, tokens_per_s: 4000, default_answer: "one two three four five six seven eight nine ten" } }',
    'races:',
    '  assistant: { champion: m }',
  ]);
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10_000 });
  const completed: string[] = [];
  let failed = 0;
  let stop = false;
  async function worker(w: number): Promise<void> {
    for (let i = 0; !stop; i++) {
      try {
        if ((w + i) % 2 === 0) {
          const { response } = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: `q${w}-${i}` }] }).withResponse();
          completed.push(response.headers.get('x-saima-request-id')!);
        } else {
          const { data: stream, response } = await client.chat.completions
            .create({ model: 'assistant', stream: true, messages: [{ role: 'user', content: `s${w}-${i}` }] })
            .withResponse();
          for await (const _chunk of stream);
          completed.push(response.headers.get('x-saima-request-id')!);
        }
      } catch {
        failed++;
        return;
      }
    }
  }
  const workers = Array.from({ length: 24 }, (_, w) => worker(w));
  // Let load build up, then kill without warning while requests are in flight.
  const started = Date.now();
  while (completed.length < 150 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  await exited;
  assert.ok(completed.length >= 150, `only ${completed.length} requests completed before the kill`);
  assert.ok(failed > 0, 'the kill interrupted requests in flight');
  const conn = new Database(db, { readonly: true });
  t.after(() => conn.close());
  const stmt = conn.prepare('select id, outcome, completion_tokens from requests where id = ?');
  const missing = completed.filter((id) => !stmt.get(id));
  assert.deepEqual(missing, [], `${missing.length} of ${completed.length} completed requests missing from the log`);
  const row = stmt.get(completed[0]!) as { outcome: string; completion_tokens: number };
  assert.equal(row.outcome, 'ok');
  assert.ok(row.completion_tokens > 0);
});
