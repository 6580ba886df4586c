/**
 * The leaderboard's fit and bootstrap run on a worker thread: while a 1,000-round bootstrap over 59 contenders
 * (LLMFAO's 8,931 votes) is computed, the gateway's event loop keeps answering. Measured as the event loop's
 * worst delay during the call, against how long the fit itself takes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import { startTestGateway } from '../support/gateway.js';

const rows = readFileSync(new URL('../fixtures/arena/llmfao-crowd-comparisons.csv', import.meta.url), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));

test('a leaderboard fit does not stall the event loop', async (t) => {
  const { url } = await startTestGateway(t, { contenders: { m: { provider: 'mock', model: 'm' } } });
  const data = rows.map(([, prompt, , , worker, winner, left, right]) => ({
    prompt: `p ${prompt}`, contender_a: left, contender_b: right, winner: winner === 'left' ? 'a' : winner === 'right' ? 'b' : 'tie', voter: `w-${worker}`, ts: 1_700_000_000_000,
  }));
  assert.equal((await fetch(`${url}/v1/arena/battles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) })).status, 201);
  await (await fetch(`${url}/v1/arena/leaderboard?rounds=10`)).text(); // the worker is up

  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/arena/leaderboard?rounds=1000&seed=9`);
  const board = (await res.json()) as { data: Array<{ ci_lower: number; ci_upper: number }>; method: { bootstrap_rounds: number } };
  const took = performance.now() - t0;
  delay.disable();
  assert.equal(res.status, 200);
  assert.equal(board.method.bootstrap_rounds, 1000);
  assert.equal(board.data.length, 59);
  assert.ok(board.data.every((r) => r.ci_lower < r.ci_upper));
  const worstMs = delay.max / 1e6;
  // Inline, the loop would be blocked for the whole fit; off-thread it only serialises the request and the answer.
  assert.ok(took > 150, `the fit should take a while to be a meaningful check (took ${took.toFixed(0)} ms)`);
  assert.ok(worstMs < took / 3, `event loop blocked ${worstMs.toFixed(0)} ms during a ${took.toFixed(0)} ms fit`);

  // Errors raised inside the worker keep their OpenAI shape and status.
  const bad = await fetch(`${url}/v1/arena/leaderboard?anchor=nobody:1000&rounds=0`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'anchor');
});
