/**
 * A failed call is data, not a crash: the run goes on, the failures are counted per error code in the report and
 * left out of the score, and resuming the run retries exactly the failed calls.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EvalReport } from '../../src/eval/report.js';
import { runCli } from '../support/cli.js';

test('failed calls are recorded, reported, and retried on resume', async (t) => {
  let healthy = false;
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const q = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
      asked.push(q);
      if (!healthy && /[13579] \+/.test(q)) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'boom', type: 'server_error', param: null, code: null } }));
        return;
      }
      const [a, b] = q.match(/\d+/g)!.map(Number);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: `Answer: ${a! + b!}` }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const dir = mkdtempSync(join(tmpdir(), 'saima-failures-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const items = Array.from({ length: 10 }, (_, i) => `  - { id: q${i}, prompt: "${i} + 10 = ?", expected: ${i + 10} }`).join('\n');
  writeFileSync(join(dir, 'add.yaml'), `name: add\ngrader: number\nitems:\n${items}\n`);
  const cfg = join(dir, 'saima.yaml');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: url, api_key: 'sk-test', model: 'm', retry: { max_retries: 1, base_ms: 1, max_ms: 2 } } } }));

  const first = await runCli(['eval', 'run', join(dir, 'add.yaml'), '--contenders', 'x', '--twins', 'none', '--json', '--no-progress', '--config', cfg]);
  assert.equal(first.code, 0, first.stderr);
  const r1 = JSON.parse(first.stdout) as EvalReport;
  const c1 = r1.contenders[0]!;
  assert.equal(r1.run.status, 'done', 'the run completed despite the failures');
  assert.deepEqual([c1.samples.graded, c1.samples.errors], [5, 5]);
  assert.deepEqual(c1.errorCodes, { upstream_error: 5 });
  assert.equal(c1.score.score.value, 100, 'failures are not wrong answers');
  assert.equal(c1.score.items, 5);
  assert.equal(asked.length, 15, '5 good calls, and 5 failing ones tried twice (one retry)');

  healthy = true;
  const resumed = await runCli(['eval', 'resume', r1.run.id, '--json', '--no-progress', '--config', cfg]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const c2 = (JSON.parse(resumed.stdout) as EvalReport).contenders[0]!;
  assert.deepEqual([c2.samples.graded, c2.samples.errors, c2.score.items], [10, 0, 10]);
  assert.equal(asked.length, 20, 'only the 5 failed calls were made again');
});
