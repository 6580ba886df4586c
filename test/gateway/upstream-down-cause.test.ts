/**
 * When every contender fails, the cause of each failure reaches the client's error, the log line and the row:
 * "connection refused" is what an operator needs to see first, not only "upstream_error".
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startTestGateway } from '../support/gateway.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('an upstream that refuses connections: the error and the row name ECONNREFUSED, repeats folded', async (t) => {
  const port = await closedPort();
  const gw = await startTestGateway(t, {
    contenders: { x: { provider: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: 'sk-upstream-test', model: 'x', retry: { max_retries: 2, base_ms: 1, max_ms: 2 } } },
    races: { r: { champion: 'x' } },
  });
  const err = await gw.client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.APIError, String(err));
  assert.equal(err.status, 502);
  assert.equal(err.message, '502 all contenders failed: x (upstream_error: network error (ECONNREFUSED)) ×3');
  const db = new Database(gw.dbFile, { readonly: true });
  t.after(() => db.close());
  const row = db.prepare('select error_code, error_message from requests').get() as { error_code: string; error_message: string };
  assert.equal(row.error_code, 'all_contenders_failed');
  assert.match(row.error_message, /ECONNREFUSED/);
});
