/**
 * Anonymity of blind matches: `POST /v1/arena/match` returns two answers labelled A and B and nothing that names
 * a contender — no name, no upstream model id, no upstream completion id, in the body or in any header, failures
 * included. Only `POST /v1/arena/vote` names them, after recording the vote; a match takes exactly one vote.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

const SECRETS = ['acme-large', 'acme-large-v9-secret', 'rival-chat', 'rival-model-2049', 'chatcmpl', 'broken-one', 'x-saima-contender'];

function assertAnonymous(res: Response, text: string): void {
  for (const [name, value] of res.headers) {
    assert.ok(!name.startsWith('x-saima-') || name === 'x-saima-request-id', `unexpected header ${name}`);
    for (const s of SECRETS) assert.ok(!value.includes(s) && !name.includes(s), `header ${name} leaks ${s}`);
  }
  for (const s of SECRETS) assert.ok(!text.includes(s), `body leaks ${s}: ${text}`);
}

test('the match endpoint never reveals contender names before the vote', async (t) => {
  const upstream = await startFakeOpenAI({ answer: 'The capital of France is Paris.', model: 'rival-model-2049' });
  t.after(() => upstream.close());
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const { url, dbFile } = await startTestGateway(t, {
    contenders: {
      'acme-large': mockContender('acme-large-v9-secret', { default_answer: 'Paris.' }),
      'rival-chat': { provider: 'openai', base_url: upstream.url, api_key: 'sk-test-rival-key', model: 'rival-model-2049', price: { input: 1, output: 1 } },
      'broken-one': mockContender('broken-one', { error_rate: 1, default_answer: 'never' }, { retry: { max_retries: 0 } }),
    },
    races: {
      assistant: { champion: 'acme-large', challengers: [{ contender: 'rival-chat', weight: 50 }] },
      flaky: { champion: 'acme-large', challengers: [{ contender: 'broken-one', weight: 50 }] },
    },
  }, { random });
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const firsts = new Set<string>();
  const matches: Array<{ id: string; answers: Array<{ label: string; content: string }> }> = [];
  for (let i = 0; i < 8; i++) {
    const res = await post('/v1/arena/match', { race: 'assistant', prompt: 'What is the capital of France?', tags: ['geo'] });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    assertAnonymous(res, text);
    const body = JSON.parse(text) as { id: string; object: string; race: string; answers: Array<{ label: string; content: string }> };
    assert.deepEqual(Object.keys(body).sort(), ['answers', 'id', 'object', 'race']);
    assert.deepEqual(body.answers.map((a) => Object.keys(a).sort()), [['content', 'label'], ['content', 'label']]);
    assert.deepEqual(body.answers.map((a) => a.label), ['A', 'B']);
    assert.deepEqual(body.answers.map((a) => a.content).sort(), ['Paris.', 'The capital of France is Paris.']);
    firsts.add(body.answers[0]!.content);
    matches.push(body);
  }
  assert.equal(firsts.size, 2, 'which contender is A is randomised');

  const failed = await post('/v1/arena/match', { race: 'flaky', prompt: 'hello' });
  const failedText = await failed.text();
  assert.equal(failed.status, 502);
  assertAnonymous(failed, failedText);

  const match = matches[0]!;
  const vote = await post('/v1/arena/vote', { match_id: match.id, winner: 'a' });
  assert.equal(vote.status, 200);
  const revealed = (await vote.json()) as { contender_a: string; contender_b: string; winner: string; battle_id: string };
  const writerOfA = match.answers[0]!.content === 'Paris.' ? 'acme-large' : 'rival-chat';
  assert.equal(revealed.contender_a, writerOfA, 'the vote names the contender behind answer A');
  assert.deepEqual([revealed.contender_a, revealed.contender_b].sort(), ['acme-large', 'rival-chat']);
  assert.equal(revealed.winner, 'a');

  const again = await post('/v1/arena/vote', { match_id: match.id, winner: 'b' });
  assert.equal(again.status, 409);
  assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'conflict');
  const unknown = await post('/v1/arena/vote', { match_id: 'match_nope', winner: 'a' });
  assert.equal(unknown.status, 404);
  const badWinner = await post('/v1/arena/vote', { match_id: matches[1]!.id, winner: 'left' });
  assert.equal(badWinner.status, 400);

  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const battles = db.prepare('select contender_a, contender_b, winner, source, tags, prompt from battles').all();
  assert.deepEqual(battles, [{ contender_a: writerOfA, contender_b: revealed.contender_b, winner: 'a', source: 'human', tags: '["geo"]', prompt: null }]);
});
