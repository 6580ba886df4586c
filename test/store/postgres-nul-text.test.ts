/**
 * A NUL character in text a client sends (a feedback comment, an arena battle's prompt) is kept as U+FFFD on
 * PostgreSQL, which refuses NUL in text columns, instead of failing the insert with a 500. SQLite, which stores it,
 * answers the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeUrlFor, testDialects } from '../support/databases.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

for (const dialect of testDialects()) {
  test(`${dialect}: feedback comments and battle prompts with NUL are stored, not refused`, async (t) => {
    const store = await storeUrlFor(dialect, t);
    const gw = await startTestGateway(t, { store, contenders: { a: mockContender('a'), b: mockContender('b') }, races: { r: { champion: 'a' } } });
    const { response } = await gw.client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const fb = await post('/v1/feedback', { request_id: response.headers.get('x-saima-request-id'), thumbs: 'up', comment: 'good\u0000answer' });
    assert.equal(fb.status, 201, await fb.text());
    const battle = await post('/v1/arena/battles', { data: [{ contender_a: 'a', contender_b: 'b', winner: 'a', prompt: 'why\u0000not' }] });
    assert.equal(battle.status, 201, await battle.text());
    const comments = (await (await fetch(`${gw.url}/admin/feedback`)).json()) as { data: Array<{ comment: string | null }> };
    assert.match(comments.data[0]!.comment!, /^good[\u0000\uFFFD]answer$/);
  });
}
