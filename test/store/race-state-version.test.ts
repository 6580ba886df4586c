/** Race state puts are optimistic: of two writers that read the same version, exactly one wins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

for (const dialect of testDialects()) {
  test(`a stale version loses and gets the current state back (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    assert.equal(await store.raceState.get('assistant'), null);

    const created = await store.raceState.put('assistant', { weights: { champ: 100 } }, 0, 1000);
    assert.deepEqual(created, { ok: true, record: { race: 'assistant', state: { weights: { champ: 100 } }, version: 1, updatedAt: 1000 } });
    const again = await store.raceState.put('assistant', { weights: {} }, 0, 1001);
    assert.equal(again.ok, false, 'creating twice conflicts');

    // Two replicas read version 1 and both try to move on.
    const [a, b] = await Promise.all([
      store.raceState.put('assistant', { weights: { champ: 90, chal: 10 } }, 1, 2000),
      store.raceState.put('assistant', { weights: { champ: 0, chal: 100 } }, 1, 2001),
    ]);
    assert.equal([a, b].filter((r) => r.ok).length, 1);
    const loser = a.ok ? b : a;
    const winner = a.ok ? a : b;
    assert.ok(!loser.ok && winner.ok);
    assert.deepEqual(loser.current, winner.record);
    assert.deepEqual(await store.raceState.get('assistant'), winner.record);
    assert.equal(winner.record.version, 2);

    assert.equal((await store.raceState.put('assistant', { weights: { champ: 100 } }, 2, 3000)).ok, true);
    await store.raceState.put('coder', { weights: { x: 100 } }, 0, 3000);
    assert.deepEqual((await store.raceState.list()).map((r) => [r.race, r.version]), [['assistant', 3], ['coder', 1]]);
  });
}
