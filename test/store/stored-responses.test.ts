/**
 * The Responses API's stored responses (migration 0017) on every real database: what is put comes back as put
 * (the conversation and the response object, JSON both), nothing is read past its retention, and prune deletes
 * exactly the expired ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { StoredResponse } from '../../src/store/repos/stored-responses.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

for (const dialect of testDialects()) {
  test(`stored responses on ${dialect}: round trip, retention, prune`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    const base: StoredResponse = {
      id: 'resp_a',
      ts: 1_700_000_000_000,
      expiresAt: 1_700_000_000_000 + 86_400_000,
      team: 'alpha',
      keyId: 'key_1',
      race: 'assistant',
      contender: 'deepseek',
      conversation: [{ role: 'user', content: 'Hi — 你好' }, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
      response: { id: 'resp_a', object: 'response', status: 'completed', output: [], metadata: { k: 'v' } },
    };
    await store.responses.put(base);
    await store.responses.put({ ...base, id: 'resp_b', team: null, keyId: null, race: null, expiresAt: base.ts + 1000 });
    assert.deepEqual(await store.responses.get('resp_a', base.ts + 1), base);
    assert.equal((await store.responses.get('resp_b', base.ts + 1))?.team, null);
    // Past its retention it is gone for reads even before a prune.
    assert.equal(await store.responses.get('resp_b', base.ts + 1000), null);
    assert.equal(await store.responses.get('resp_missing', base.ts), null);
    assert.equal(await store.responses.prune(base.ts + 1000), 1);
    assert.equal(await store.responses.prune(base.ts + 1000), 0);
    assert.deepEqual((await store.responses.get('resp_a', base.ts + 1))?.conversation, base.conversation);
    // An id is kept once: a second put of the same id fails instead of replacing another's response.
    await assert.rejects(store.responses.put(base));
  });
}
