/**
 * The Responses API's stored responses (migrations 0018, 0019) on every real database: what is put comes back as put, a
 * conversation is read back as its chain of turns (one query, oldest first), a continuation keeps its ancestors as
 * long as itself, nothing is read past its retention, a chain missing its beginning reads as missing, and prune
 * deletes exactly the expired responses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { StoredResponse } from '../../src/store/repos/stored-responses.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const DAY = 86_400_000;
const T0 = 1_700_000_000_000;

for (const dialect of testDialects()) {
  test(`stored responses on ${dialect}: round trip, chains, retention, prune`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    const a: StoredResponse = {
      id: 'resp_a',
      ts: T0,
      expiresAt: T0 + DAY,
      team: 'alpha',
      keyId: 'key_1',
      race: 'assistant',
      contender: 'deepseek',
      previousId: null,
      turn: [{ role: 'user', content: 'Hi — 你好' }, { role: 'assistant', content: null, reasoning_content: 'r', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
      response: { id: 'resp_a', object: 'response', status: 'completed', output: [], metadata: { k: 'v' } },
    };
    await store.responses.put(a);
    assert.deepEqual(await store.responses.get('resp_a', T0 + 1), a);
    assert.deepEqual(await store.responses.conversation('resp_a'), { messages: a.turn, origins: ['deepseek', 'deepseek'], ids: ['resp_a'] });

    // Two continuations, each a day later: the chain reads back in order and its beginning lives as long as its end.
    const b: StoredResponse = { ...a, id: 'resp_b', ts: T0 + DAY / 2, expiresAt: T0 + 2 * DAY, previousId: 'resp_a', turn: [{ role: 'tool', tool_call_id: 'call_1', content: 'ok' }, { role: 'assistant', content: 'Done.' }] };
    await store.responses.put(b, ['resp_a']);
    const c: StoredResponse = { ...a, id: 'resp_c', contender: 'qwen', ts: T0 + DAY, expiresAt: T0 + 3 * DAY, previousId: 'resp_b', turn: [{ role: 'user', content: 'More?' }, { role: 'assistant', content: 'No.' }] };
    await store.responses.put(c, ['resp_a', 'resp_b']);
    // Each message says whose turn holds it (a conversation that moved to another contender).
    assert.deepEqual(await store.responses.conversation('resp_c'), { messages: [...a.turn, ...b.turn, ...c.turn], origins: ['deepseek', 'deepseek', 'deepseek', 'deepseek', 'qwen', 'qwen'], ids: ['resp_a', 'resp_b', 'resp_c'] });
    assert.equal((await store.responses.get('resp_a', T0 + 2 * DAY))?.expiresAt, T0 + 3 * DAY);
    assert.equal(await store.responses.prune(T0 + 2 * DAY), 0);

    // An unrelated response past its retention: gone for reads before a prune, deleted by it, and nothing else is.
    await store.responses.put({ ...a, id: 'resp_x', team: null, keyId: null, race: null, expiresAt: T0 + 1000 });
    assert.equal((await store.responses.get('resp_x', T0 + 1))?.team, null);
    assert.equal(await store.responses.get('resp_x', T0 + 1000), null);
    assert.equal(await store.responses.get('resp_missing', T0), null);
    assert.equal(await store.responses.conversation('resp_missing'), null);
    assert.equal(await store.responses.prune(T0 + 1000), 1);
    assert.equal(await store.responses.prune(T0 + 1000), 0);

    // A chain whose beginning is gone reads as missing, not as a shorter conversation.
    await store.responses.put({ ...a, id: 'resp_orphan', previousId: 'resp_pruned' });
    assert.equal(await store.responses.conversation('resp_orphan'), null);
    // An id is kept once: a second put of the same id fails instead of replacing another's response.
    await assert.rejects(store.responses.put(a));

    // An upstream's response (migration 0020): only where it lives and the context it holds; deleted by id.
    const up: StoredResponse = { ...a, id: 'resp_upstream', turn: [], response: {}, upstream: { contextTokens: 3_000_000_000 } };
    await store.responses.put(up);
    assert.deepEqual(await store.responses.get('resp_upstream', T0 + 1), up);
    assert.equal((await store.responses.get('resp_c', T0 + 1))?.upstream, undefined);
    assert.equal(await store.responses.delete('resp_upstream'), true);
    assert.equal(await store.responses.delete('resp_upstream'), false);
    assert.equal(await store.responses.get('resp_upstream', T0 + 1), null);
  });
}
