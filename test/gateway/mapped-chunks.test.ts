/**
 * mapChunks, the translating and passing-through doors' client stream: chunks mapped in order, empty results skipped,
 * the end and a failure passed on; and a run of chunks that map to nothing (an upstream writing one long event in tiny
 * slices) read in constant memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { mapChunks } from '../../src/gateway/mapped-chunks.js';

const bytes = (s: string): Uint8Array => Buffer.from(s);
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? []).toString();

function source(chunks: readonly Uint8Array[], fail?: Error): AsyncIterator<Uint8Array> {
  let i = 0;
  return {
    next: async () => {
      if (i < chunks.length) return { done: false, value: chunks[i++]! };
      if (fail) throw fail;
      return { done: true, value: undefined };
    },
  };
}

test('chunks are mapped in order, the ones that map to nothing are skipped, and the end is passed on', async () => {
  const it = mapChunks(source(['a', '', 'b', 'skip', 'c'].map(bytes)), (c) => (text(c) === 'skip' ? new Uint8Array(0) : bytes(text(c).toUpperCase())));
  const seen: string[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) seen.push(text(r.value));
  assert.deepEqual(seen, ['A', 'B', 'C']);
  assert.equal((await it.next()).done, true, 'still ended when asked again');
});

test("a failure of the upstream's stream or of the mapping rejects the read", async () => {
  const cut = new Error('socket reset');
  const it = mapChunks(source([bytes('a')], cut), (c) => c);
  assert.equal(text((await it.next()).value), 'a');
  await assert.rejects(it.next(), cut);
  const bad = mapChunks(source([bytes('a')]), () => {
    throw new Error('not JSON');
  });
  await assert.rejects(bad.next(), /not JSON/);
});

test('300,000 chunks in a row that map to nothing are read in constant memory', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const N = 300_000;
  const empty = new Uint8Array(0);
  let read = 0;
  let atLast = 0;
  const rest: AsyncIterator<Uint8Array> = {
    next: async () => {
      if (read === N) {
        // Everything the reader still holds while it waits for the chunk that finally makes output.
        gc();
        atLast = process.memoryUsage().heapUsed;
      }
      read++;
      return read <= N ? { done: false, value: empty } : read === N + 1 ? { done: false, value: bytes('x') } : { done: true, value: undefined };
    },
  };
  gc();
  const before = process.memoryUsage().heapUsed;
  const r = await mapChunks(rest, (c) => c).next();
  assert.equal(text(r.value), 'x');
  // Measured: a promise chained per skipped chunk held 166 MB here (over 500 bytes a chunk); the loop holds none.
  assert.ok(atLast - before < 5e6, `the heap grew by ${((atLast - before) / 1e6).toFixed(1)} MB over ${N} skipped chunks`);
});
