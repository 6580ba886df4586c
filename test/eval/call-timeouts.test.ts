/**
 * `saima eval run` honours a contender's first_byte_ms for its non-stream calls, as the gateway does: an upstream
 * that hangs before headers, or stalls half-way through its body, fails that call within about first_byte_ms (not
 * total_ms), the stored result names the limit that fired, and the run goes on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { EvalReport } from '../../src/eval/report.js';
import { runCli } from '../support/cli.js';

test('eval run: a hang before headers and a body stall each fail after first_byte_ms, naming it; the other calls answer', async (t) => {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const q = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
      const answer = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Answer: 4' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
      if (q.includes('hang')) return void held.push(res); // no headers, ever
      res.writeHead(200, { 'content-type': 'application/json' });
      if (q.includes('stall')) {
        res.write(answer.slice(0, 40)); // half a body, then silence with the socket open
        return void held.push(res);
      }
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    server.close(() => r());
  }));
  const dir = mkdtempSync(join(tmpdir(), 'saima-eval-timeouts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 's.yaml'), 'name: s\ngrader: number\nitems:\n  - { id: ok1, prompt: "2 + 2 = ?", expected: 4 }\n  - { id: hang, prompt: "hang: 2 + 2 = ?", expected: 4 }\n  - { id: stall, prompt: "stall: 2 + 2 = ?", expected: 4 }\n  - { id: ok2, prompt: "1 + 3 = ?", expected: 4 }\n');
  const cfg = join(dir, 'saima.yaml');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  // total_ms is 10 minutes: only first_byte_ms can end these calls within the test's bounds.
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: url, api_key: 'sk-test', model: 'm', retry: { max_retries: 0 }, timeouts: { first_byte_ms: 300, total_ms: 600_000 } } } }));

  const t0 = performance.now();
  const run = await runCli(['eval', 'run', join(dir, 's.yaml'), '--contenders', 'x', '--twins', 'none', '--json', '--no-progress', '--config', cfg]);
  const ms = performance.now() - t0;
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as EvalReport;
  assert.equal(report.run.status, 'done');
  const c = report.contenders[0]!;
  assert.deepEqual([c.samples.graded, c.samples.errors], [2, 2]);
  assert.deepEqual(c.errorCodes, { upstream_timeout: 2 });
  const db = new Database(join(dir, 's.db'), { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare('select item_id, error_message from eval_results order by item_id').all() as Array<{ item_id: string; error_message: string | null }>;
  const why = new Map(rows.map((r) => [r.item_id, r.error_message]));
  assert.match(why.get('s/hang') ?? '', /no response headers within 300 ms \(timeouts\.first_byte_ms\)/);
  assert.match(why.get('s/stall') ?? '', /stalled for 300 ms \(timeouts\.first_byte_ms\)/);
  // The CLI's own start-up is in this figure; the calls' share is about first_byte_ms (plus the HTTP client's
  // timer resolution, under a second), nowhere near total_ms.
  assert.ok(ms < 15_000, `the run took ${ms.toFixed(0)} ms`);
  t.diagnostic(`eval run with a hung and a stalled call (first_byte_ms 300): done in ${ms.toFixed(0)} ms, both failures name timeouts.first_byte_ms`);
});
