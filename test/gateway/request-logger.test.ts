/**
 * A request's log lines carry its id (`reqId`, the `x-saima-request-id` the client got), although the gateway makes
 * a request's logger only when the request first logs (lazy-request-logger.ts): a request that never logs pays for
 * none, one that fails still says which request it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';
import { mockContender } from '../support/gateway.js';

test('a failed request logs its request id; successful ones log no line of their own', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-test-'));
  const lines: Array<Record<string, unknown>> = [];
  const config = buildConfig({
    server: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    store: `sqlite:${join(dir, 'saima.db')}`,
    store_options: { spool_path: join(dir, 'spool.jsonl') },
    contenders: {
      good: mockContender('good-model', { latency_ms: 0 }),
      // Every call fails before its headers and is not retried: the client gets a 5xx, which the gateway logs.
      broken: mockContender('broken-model', { latency_ms: 0, error_rate: 1 }, { retry: { max_retries: 0 } }),
    },
  }, {});
  const gw = await startServer(config, { logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } } });
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });

  const before = lines.length;
  for (let i = 0; i < 5; i++) assert.equal((await call('good')).status, 200);
  assert.deepEqual(lines.slice(before).filter((l) => l.reqId !== undefined), [], 'a request that succeeds writes no line of its own');

  const failed = await call('broken');
  assert.ok(failed.status >= 500, `the broken contender's call fails with a 5xx (got ${failed.status})`);
  const id = failed.headers.get('x-saima-request-id');
  assert.ok(id, 'the failed response names its request');
  const own = lines.filter((l) => l.reqId === id);
  assert.equal(own.length, 1, 'exactly one line of the failed request carries its id');
  assert.equal(own[0]!.msg, 'request failed');
  assert.equal(own[0]!.level, 40, 'logged as a warning');
});
