/** Every repo writes and reads back the same camelCase values on every database, and filters as documented. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore, type ApiKeyRecord, type DecisionRow, type FeedbackRow } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { requestRow } from './rows.js';

const T0 = 1_700_000_000_000;

for (const dialect of testDialects()) {
  test(`requests, feedback, api keys and decisions round-trip (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());

    const served = requestRow({ id: 'r1', ts: T0, promptText: 'héllo ✓', responseText: 'world', usageEstimated: true, stream: false });
    const shadow = requestRow({ id: 'r2', ts: T0 + 1, shadow: true, parentId: 'r1', contender: 'chal', outcome: 'cut', errorCode: 'upstream_error', errorMessage: 'cut', ttftMs: null, finishReason: null });
    const other = requestRow({ id: 'r3', ts: T0 + 2, team: 'ads', race: 'coder', fallbackFrom: 'chal', protocol: 'embeddings', completionTokens: 0 });
    await Promise.all([served, shadow, other].map((r) => store.requestLog.append(r)));
    assert.deepEqual(await store.requests.getRequest('r1'), served);
    assert.deepEqual(await store.requests.getRequest('r2'), shadow);
    assert.deepEqual(await store.requests.getRequest('r3'), other);
    assert.equal(await store.requests.getRequest('missing'), null);
    assert.deepEqual((await store.requests.listRequests()).map((r) => r.id), ['r3', 'r1']);
    assert.deepEqual((await store.requests.listRequests({ includeShadow: true })).map((r) => r.id), ['r3', 'r2', 'r1']);
    assert.deepEqual((await store.requests.listRequests({ team: 'ads' })).map((r) => r.id), ['r3']);
    assert.deepEqual((await store.requests.listRequests({ race: 'assistant', includeShadow: true, contender: 'chal' })).map((r) => r.id), ['r2']);
    assert.deepEqual((await store.requests.listRequests({ since: T0 + 1, until: T0 + 2, includeShadow: true })).map((r) => r.id), ['r2']);
    assert.deepEqual((await store.requests.listRequests({ limit: 1 })).map((r) => r.id), ['r3']);
    const spend = await store.requests.spendRows({ since: T0 });
    assert.deepEqual(spend.map((r) => [r.ts, r.shadow, r.costNanos]), [[T0, false, served.costNanos], [T0 + 1, true, shadow.costNanos], [T0 + 2, false, other.costNanos]]);
    assert.deepEqual(spend[0], { ts: T0, team: 'search', keyId: 'key_1', race: 'assistant', contender: 'champ', costNanos: served.costNanos, currency: 'USD', promptTokens: 42, completionTokens: 17, shadow: false, source: 'gateway' });
    assert.deepEqual((await store.requests.spendRows({ since: T0, until: T0 + 2, team: 'search' })).map((r) => r.ts), [T0, T0 + 1]);

    const fb: FeedbackRow = { id: 'f1', ts: T0 + 5, requestId: 'r1', race: 'assistant', contender: 'champ', team: 'search', keyId: 'key_1', score: -0.5, comment: 'meh' };
    await store.feedback.insertFeedback(fb);
    // A later rating of the same request replaces the current one; both stay in the history.
    await store.feedback.insertFeedback({ ...fb, id: 'f2', ts: T0 + 6, score: 1, comment: null, keyId: null });
    assert.deepEqual(await store.feedback.listFeedback({ requestId: 'r1' }), [{ ...fb, id: 'f2', ts: T0 + 6, score: 1, comment: null, keyId: null }]);
    assert.deepEqual((await store.feedback.history('r1')).map((f) => [f.id, f.score, f.keyId]), [['f1', -0.5, 'key_1'], ['f2', 1, null]]);
    await store.feedback.insertFeedback({ ...fb, id: 'f3', requestId: 'r3' });
    assert.deepEqual(await store.feedback.listFeedback({ until: T0 + 6 }), [{ ...fb, id: 'f3', requestId: 'r3' }]);
    assert.deepEqual(await store.feedback.aggregateByContender('assistant', T0), [{ contender: 'champ', n: 2, mean: 0.25, positive: 1, negative: 1 }]);

    const key: ApiKeyRecord = { id: 'k1', hash: 'a'.repeat(64), prefix: 'sk-saima-ab12', team: 'search', scopes: ['chat', 'feedback'], races: ['assistant', 'coder'], createdAt: T0, expiresAt: T0 + 86_400_000, revokedAt: null, lastUsedAt: null, rpm: 60, tpm: null };
    const noRaces: ApiKeyRecord = { ...key, id: 'k2', hash: 'b'.repeat(64), scopes: [], races: [], expiresAt: null, createdAt: T0 + 1 };
    const allRaces: ApiKeyRecord = { ...key, id: 'k3', hash: 'c'.repeat(64), team: 'admin', scopes: ['admin'], races: null, createdAt: T0 + 2 };
    for (const k of [key, noRaces, allRaces]) await store.apiKeys.insert(k);
    await assert.rejects(store.apiKeys.insert({ ...key, id: 'k4' }), 'a duplicate hash is refused');
    await assert.rejects(store.apiKeys.insert({ ...key, id: 'k5', hash: 'd'.repeat(64), races: ['a,b'] }), /comma/);
    assert.deepEqual(await store.apiKeys.findByHash(key.hash), key);
    assert.deepEqual(await store.apiKeys.get('k2'), noRaces);
    assert.equal(await store.apiKeys.findByHash('f'.repeat(64)), null);
    await store.apiKeys.touch('k1', T0 + 10);
    assert.equal(await store.apiKeys.revoke('k1', T0 + 20), true);
    assert.equal(await store.apiKeys.revoke('k1', T0 + 30), false, 'the first revocation stands');
    assert.deepEqual(await store.apiKeys.findByHash(key.hash), { ...key, lastUsedAt: T0 + 10, revokedAt: T0 + 20 });
    assert.deepEqual((await store.apiKeys.list()).map((k) => k.id), ['k1', 'k2', 'k3']);
    assert.deepEqual((await store.apiKeys.list({ activeOnly: true })).map((k) => k.id), ['k2', 'k3']);
    assert.deepEqual((await store.apiKeys.list({ team: 'admin' })).map((k) => k.id), ['k3']);

    const d1: DecisionRow = { id: 'd1', ts: T0, race: 'assistant', action: 'ramp', contender: 'chal', reason: 'guardrails hold', details: { weight: [5, 10], p: 0.01 }, actor: null };
    const d2: DecisionRow = { id: 'd2', ts: T0 + 1, race: 'assistant', action: 'rollback', contender: 'chal', reason: null, details: { metric: 'error_rate' }, actor: 'key_admin' };
    for (const d of [d1, d2, { ...d1, id: 'd3', race: 'coder' }]) await store.decisions.append(d);
    assert.deepEqual(await store.decisions.list('assistant'), [d2, d1]);
    assert.deepEqual(await store.decisions.list('assistant', { since: T0 + 1 }), [d2]);
    assert.deepEqual(await store.decisions.list('assistant', { limit: 1 }), [d2]);
  });
}
