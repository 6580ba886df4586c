/** Request ids are UUIDv7 behind a prefix: valid layout, unique, and sorted by the millisecond they were made in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeOrderedId } from '../../src/store/time-ordered-id.js';

const V7 = /^req_([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('ids are RFC 9562 version-7 UUIDs carrying their millisecond, unique and time-sorted', () => {
  const t0 = Date.UTC(2026, 10, 29, 8, 0, 0);
  const ids: string[] = [];
  for (let i = 0; i < 100_000; i++) ids.push(timeOrderedId('req_', t0 + Math.floor(i / 50)));
  for (const id of ids.slice(0, 1000)) assert.match(id, V7);
  const m = V7.exec(ids[0]!)!;
  assert.equal(parseInt(m[1]! + m[2]!, 16), t0, 'the first 48 bits are the Unix milliseconds');
  assert.equal(new Set(ids).size, ids.length, 'no two ids alike');
  // Ids of later milliseconds sort after earlier ones (within one millisecond the order is random).
  for (let i = 50; i < ids.length; i += 50) assert.ok(ids[i - 50]!.slice(0, 17) < ids[i]!.slice(0, 17));
  const sorted = [...ids].sort();
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.slice(4, 17) <= sorted[i]!.slice(4, 17));
  // The random part is not constant: the bytes vary across the pool's refills.
  assert.ok(new Set(ids.map((id) => id.slice(-12))).size > 99_000);
});

test('a gateway answers with time-ordered request ids', async (t) => {
  const { startTestGateway, mockContender } = await import('../support/gateway.js');
  const { url } = await startTestGateway(t, { contenders: { m: mockContender('m-1') } });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
    await res.text();
    ids.push(res.headers.get('x-saima-request-id')!);
    await new Promise((r) => setTimeout(r, 3));
  }
  for (const id of ids) assert.match(id, V7);
  assert.deepEqual([...ids].sort(), ids);
});
