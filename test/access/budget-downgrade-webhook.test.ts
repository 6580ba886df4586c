/** Downgrade routing once a budget is spent, the soft-threshold webhook (retried), and the budget gauge. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

async function receiver(t: import('node:test').TestContext) {
  const received: unknown[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      calls++;
      // The first delivery fails: the gateway must retry.
      if (calls === 1) return void res.writeHead(503).end();
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, calls: () => calls };
}

test('a spent budget with downgrade routes to the cheaper contender and says so; the soft threshold fires a webhook', async (t) => {
  const hook = await receiver(t);
  const { client, url } = await startTestGateway(t, {
    contenders: {
      big: mockContender('big', { default_answer: 'word '.repeat(100) }, { price: { input: 0, output: 100, currency: 'CNY' } }),
      small: mockContender('small', { default_answer: 'word '.repeat(100) }, { price: { input: 0, output: 1, currency: 'CNY' } }),
    },
    races: { r: { champion: 'big' } },
    // 20 tokens × 100 CNY/M = 0.002 CNY per request: three fit in 0.006.
    budgets: { 'r-day': { race: 'r', limit: 0.006, soft_pct: 50, on_exceed: 'downgrade', downgrade_to: 'small', webhook: hook.url } },
  });
  const served: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { response } = await client.chat.completions.create({ model: 'r', max_tokens: 20, messages: [{ role: 'user', content: `q${i}` }] }).withResponse();
    served.push(response.headers.get('x-saima-contender')!);
  }
  assert.deepEqual(served, ['big', 'big', 'big', 'small', 'small']);
  const t0 = Date.now();
  while (hook.received.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
  assert.ok(hook.calls() >= 2, 'the failed delivery was retried');
  const event = hook.received[0] as { type: string; budget: string; ratio: number; currency: string };
  assert.equal(event.type, 'budget.soft_threshold');
  assert.equal(event.budget, 'r-day');
  assert.ok(event.ratio >= 0.5);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const m = /saima_budget_spent_ratio\{budget="r-day"\} ([\d.]+)/.exec(metrics);
  assert.ok(m && Number(m[1]) >= 1, `gauge: ${m?.[1]}`);
});

test('budgets resume from the request log after a restart', async (t) => {
  const doc = {
    contenders: { m: mockContender('m', { default_answer: 'word '.repeat(100) }, { price: { input: 0, output: 100, currency: 'CNY' } }) },
    races: { r: { champion: 'm' } },
    budgets: { cap: { race: 'r', limit: 0.004 } },
  };
  const first = await startTestGateway(t, doc);
  for (let i = 0; i < 2; i++) await first.client.chat.completions.create({ model: 'r', max_tokens: 20, messages: [{ role: 'user', content: 'x' }] });
  await first.gw.close();
  const { startServer } = await import('../../src/server/index.js');
  const { buildConfig } = await import('../../src/config/load.js');
  const again = await startServer(buildConfig({ server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, store: `sqlite:${first.dbFile}`, ...doc }, {}), { logger: false });
  t.after(() => again.close());
  const res = await fetch(`${again.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', max_tokens: 20, messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(res.status, 429);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'budget_exceeded');
});
