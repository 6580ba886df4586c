/**
 * A seeded simulator replays: the same seed and the same sequence of calls give the same faults, delays and
 * bytes; another seed gives another sequence; an injected random source overrides the seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockAdapter } from '../../src/providers/mock/adapter.js';
import type { UpstreamCall } from '../../src/providers/spec.js';
import { UpstreamError } from '../../src/providers/upstream-error.js';
import { drainReply, linkedContender } from '../support/fake-openai-upstream.js';

function contender(seed: number) {
  return linkedContender({
    provider: 'mock',
    model: 'm',
    mock: { seed, error_rate: 0.4, error_kinds: ['http_500', 'http_429', 'reset', 'cut'], jitter: 0.5, ttft_ms: 2, answers: [{ answer: 'Same every time.' }] },
  });
}

/** One line per call: the fault, or the bytes without the creation timestamp. */
async function run(adapter: MockAdapter, c: ReturnType<typeof contender>, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const call: UpstreamCall = { contender: c, body: { messages: [{ role: 'user', content: `q${i}` }], stream: true }, stream: true, clientWantsUsage: true, captureText: false, requestId: `req_${i}` };
    try {
      const { bytes, outcome } = await drainReply(await adapter.send(call, new AbortController().signal));
      out.push(`${outcome.ok ? 'ok' : outcome.error?.code} ${bytes.toString().replace(/"created":\d+/g, '')}`);
    } catch (err) {
      out.push(err instanceof UpstreamError ? `${err.code} ${err.upstreamStatus}` : String(err));
    }
  }
  return out;
}

test('the same seed replays the same faults and bytes', async () => {
  const a = new MockAdapter();
  const b = new MockAdapter();
  const first = await run(a, contender(7), 25);
  const second = await run(b, contender(7), 25);
  await Promise.all([a.close(), b.close()]);
  assert.deepEqual(second, first);
  const faults = first.filter((l) => !l.startsWith('ok ')).length;
  assert.ok(faults >= 3 && faults <= 20, `about 40% faults: ${faults}/25`);
});

test('another seed gives another sequence', async () => {
  const a = new MockAdapter();
  const first = await run(a, contender(7), 25);
  const other = await run(a, contender(8), 25);
  await a.close();
  assert.notDeepEqual(other.map((l) => l.slice(0, 12)), first.map((l) => l.slice(0, 12)));
});

test('an injected random source decides instead of the seed', async () => {
  const adapter = new MockAdapter({ random: () => 0 });
  const lines = await run(adapter, contender(7), 3);
  await adapter.close();
  // random() = 0 is below any error rate and picks the first kind.
  assert.deepEqual(lines, ['upstream_error 500', 'upstream_error 500', 'upstream_error 500']);
});
