/**
 * The admission journal keeps each call's front door (migration 0019), on every real database: the `lost` row of an
 * entry left behind says the protocol its client used, whether a restart settles it (`orphans`) or a live replica
 * takes a dead one's (`takeLost`), and an entry written without one (before the column existed) reads as `chat`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { AdmissionRecord } from '../../src/store/repos/admissions.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const T0 = 1_765_000_000_000;

function entry(id: string, owner: string, protocol?: string | null): AdmissionRecord {
  const base: AdmissionRecord = { id, ts: T0, expires_at: T0 + 600_000, team: 'lab', key_id: 'key_1', race: 'r', contender: 'c', upstream_model: 'm', reserved_nanos: 1000, currency: 'CNY', owner };
  return protocol === undefined ? base : { ...base, protocol };
}

for (const dialect of testDialects()) {
  test(`admission journal (${dialect}): lost rows keep the protocol of their front door; entries without one read as chat`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    // One batch of every shape a journal holds: each door, an old writer's entry (no protocol at all), an explicit null.
    await store.admissions.openMany([
      entry('req_1', 'gw-a', 'messages'),
      entry('req_2', 'gw-a', 'responses'),
      entry('req_3', 'gw-a', 'embeddings'),
      entry('req_4', 'gw-a', 'chat'),
      entry('req_5', 'gw-a'),
      entry('req_6', 'gw-a', null),
      entry('req_7', 'gw-dead', 'messages'),
      entry('req_8', 'gw-dead'),
    ]);

    // A dead replica's entries, taken by a live one and logged in the same transaction.
    const taken = await store.admissions.takeLost(['gw-dead']);
    assert.deepEqual(taken.map((r) => [r.id, r.protocol]).sort(), [['req_7', 'messages'], ['req_8', 'chat']]);

    // What a restart finds left: logged by the caller, as recoverLostAdmissions does.
    const orphans = await store.admissions.orphans(null, T0 + 1);
    for (const o of orphans) await store.requestLog.append(o.row);
    await store.requestLog.flush();
    const logged = await Promise.all(['req_1', 'req_2', 'req_3', 'req_4', 'req_5', 'req_6', 'req_7', 'req_8'].map((id) => store.requests.getRequest(id)));
    assert.deepEqual(
      logged.map((r) => [r?.id, r?.outcome, r?.protocol]),
      [
        ['req_1', 'lost', 'messages'],
        ['req_2', 'lost', 'responses'],
        ['req_3', 'lost', 'embeddings'],
        ['req_4', 'lost', 'chat'],
        ['req_5', 'lost', 'chat'],
        ['req_6', 'lost', 'chat'],
        ['req_7', 'lost', 'messages'],
        ['req_8', 'lost', 'chat'],
      ],
    );
  });
}
