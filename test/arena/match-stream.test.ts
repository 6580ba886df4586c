/**
 * A streamed blind match over real HTTP, with two real loopback upstreams that write slowly: both answers arrive
 * interleaved before either side ends, no event names a contender, a side cut mid-stream gets an error event of its
 * own while the other side finishes, every call is a metered request-log row of the voter's team, the vote works
 * afterwards, a voter who leaves aborts both calls, and refusals before the stream are ordinary error answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createParser } from 'eventsource-parser';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const SECRETS = ['acme-large', 'acme-large-v9-secret', 'rival-chat', 'rival-model-2049', 'chatcmpl', 'usage', 'tokens'];
const ACME = 'Paris is the capital and largest city of France, on the Seine.';
const RIVAL = 'The French capital is Paris, home of the Louvre and the Eiffel Tower.';

interface Event {
  type: string;
  side?: 'a' | 'b';
  delta?: string;
  id?: string;
  finish_reason?: string | null;
  error?: { code: string; message: string };
}

/** Reads the SSE response, calling `onEvent` as each event arrives; returns the raw text and the events. */
async function readEvents(res: Response, onEvent: (e: Event) => void = () => {}): Promise<{ text: string; events: Event[] }> {
  const events: Event[] = [];
  let text = '';
  const parser = createParser({
    onEvent(msg) {
      const e = JSON.parse(msg.data) as Event;
      assert.equal(msg.event, e.type, 'the SSE event name is the type');
      events.push(e);
      onEvent(e);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const s = decoder.decode(chunk, { stream: true });
    text += s;
    parser.feed(s);
  }
  return { text, events };
}

function assertAnonymous(res: Response, text: string): void {
  for (const [name, value] of res.headers) {
    assert.ok(!name.startsWith('x-saima-') || name === 'x-saima-request-id', `unexpected header ${name}`);
    for (const s of SECRETS) assert.ok(!value.includes(s), `header ${name} leaks ${s}`);
  }
  for (const s of SECRETS) assert.ok(!text.includes(s), `stream leaks ${s}: ${text}`);
}

const answerOf = (events: Event[], side: 'a' | 'b') => events.filter((e) => e.type === 'answer.delta' && e.side === side).map((e) => e.delta).join('');

test('a streamed match interleaves both anonymous answers, survives a cut side, is metered and takes its vote', async (t) => {
  const acme = await startFakeOpenAI({ answer: ACME, model: 'acme-large-v9-secret', eventDelayMs: 25 });
  const rival = await startFakeOpenAI({ answer: RIVAL, model: 'rival-model-2049', eventDelayMs: 25 });
  t.after(() => Promise.all([acme.close(), rival.close()]));
  const upstream = (url: string, model: string) => ({ provider: 'openai', base_url: url, api_key: 'sk-test', model, price: { input: 1, output: 1 }, retry: { max_retries: 0 } });
  const { url, key: admin, dbFile, gw } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { 'acme-large': upstream(acme.url, 'acme-large-v9-secret'), 'rival-chat': upstream(rival.url, 'rival-model-2049') },
    races: { assistant: { champion: 'acme-large', challengers: [{ contender: 'rival-chat', weight: 50 }], capture: true } },
  });
  const made = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ team: 'raters', scopes: ['arena:vote'] }) });
  const { key, id: keyId } = (await made.json()) as { key: string; id: string };
  const post = (path: string, body: unknown, extra: RequestInit = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body), ...extra });

  // 1. Both sides stream at once: pieces of A and of B arrive before either side is done.
  const res = await post('/v1/arena/match', { race: 'assistant', prompt: 'Tell me about Paris.', tags: ['geo'], stream: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const { text, events } = await readEvents(res);
  assertAnonymous(res, text);
  const created = events[0]!;
  assert.deepEqual(Object.keys(created).sort(), ['id', 'object', 'race', 'sides', 'type']);
  assert.equal(created.type, 'match.created');
  const firstDone = events.findIndex((e) => e.type === 'answer.done');
  const before = events.slice(0, firstDone).filter((e) => e.type === 'answer.delta');
  assert.ok(before.some((e) => e.side === 'a') && before.some((e) => e.side === 'b'), 'both sides streamed before either finished');
  const switches = events.filter((e, i) => e.type === 'answer.delta' && i > 0 && events[i - 1]!.type === 'answer.delta' && events[i - 1]!.side !== e.side).length;
  assert.ok(switches >= 4, `the sides interleave (${switches} switches)`);
  const dones = events.filter((e) => e.type === 'answer.done');
  assert.deepEqual(dones.map((e) => e.side).sort(), ['a', 'b']);
  for (const d of dones) assert.deepEqual(Object.keys(d).sort(), ['finish_reason', 'side', 'type']);
  assert.ok(dones.every((d) => d.finish_reason === 'stop'));
  for (const e of events.filter((x) => x.type === 'answer.delta')) assert.deepEqual(Object.keys(e).sort(), ['delta', 'side', 'type']);
  assert.deepEqual([answerOf(events, 'a'), answerOf(events, 'b')].sort(), [ACME, RIVAL].sort());
  assert.deepEqual(events.at(-1), { type: 'match.stored', id: created.id });
  assert.ok(acme.requests.every((r) => r.body.stream === true) && rival.requests.every((r) => r.body.stream === true), 'the upstream calls were streamed');

  // 2. The vote names the contenders behind the sides as streamed.
  const vote = await post('/v1/arena/vote', { match_id: created.id, winner: 'a' });
  assert.equal(vote.status, 200);
  const revealed = (await vote.json()) as { contender_a: string; contender_b: string };
  assert.equal(revealed.contender_a, answerOf(events, 'a') === ACME ? 'acme-large' : 'rival-chat');
  assert.equal((await post('/v1/arena/vote', { match_id: created.id, winner: 'b' })).status, 409);

  // 3. The rival is cut mid-stream: its side alone gets an error event, the other side finishes, the match is stored.
  rival.setFaults([{ kind: 'cut', afterEvents: 4 }]);
  const cutRes = await post('/v1/arena/match', { race: 'assistant', prompt: 'Tell me about Paris.' }, { headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
  assert.equal(cutRes.status, 200);
  const cut = await readEvents(cutRes);
  assertAnonymous(cutRes, cut.text);
  const errors = cut.events.filter((e) => e.type === 'answer.error');
  assert.equal(errors.length, 1, cut.text);
  const cutSide = errors[0]!.side!;
  const okSide = cutSide === 'a' ? 'b' : 'a';
  assert.deepEqual(errors[0]!.error, { code: 'upstream_error', message: 'This answer could not be finished.' });
  assert.ok(RIVAL.startsWith(answerOf(cut.events, cutSide)) && answerOf(cut.events, cutSide).length > 0, 'the cut side streamed a part first');
  assert.equal(answerOf(cut.events, okSide), ACME);
  assert.deepEqual(cut.events.filter((e) => e.type === 'answer.done').map((e) => e.side), [okSide]);
  const cutId = cut.events[0]!.id!;
  assert.deepEqual(cut.events.at(-1), { type: 'match.stored', id: cutId });
  const cutVote = await post('/v1/arena/vote', { match_id: cutId, winner: okSide });
  assert.equal(cutVote.status, 200);
  assert.equal(((await cutVote.json()) as Record<string, string>)[`contender_${okSide}`], 'acme-large');

  // 4. The voter leaves after the first pieces: both calls are aborted and logged, and no match is stored.
  const ac = new AbortController();
  const left = await post('/v1/arena/match', { race: 'assistant', prompt: 'Tell me about Paris.', stream: true }, { signal: ac.signal });
  let leftId = '';
  await readEvents(left, (e) => {
    if (e.type === 'match.created') leftId = e.id!;
    if (e.type === 'answer.delta') ac.abort();
  }).catch((e: Error) => assert.equal(e.name, 'AbortError'));
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const closedRows = async () => {
    for (let i = 0; i < 100; i++) {
      await gw.store.requestLog.flush();
      const rows = db.prepare("select error_code from requests where id like 'arena_%' and error_code = 'client_closed'").all();
      if (rows.length === 2) return rows.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    return -1;
  };
  assert.equal(await closedRows(), 2, 'both aborted calls are logged as client_closed');
  assert.ok(leftId.startsWith('match_'));
  assert.deepEqual(db.prepare('select count(*) as n from arena_matches where id = ?').get(leftId), { n: 0 });
  assert.deepEqual(db.prepare('select answer_b is not null as kept from arena_matches where id = ?').get(cutId), { kept: 1 }, 'the cut match keeps what the voter saw');
  assert.equal((await post('/v1/arena/vote', { match_id: leftId, winner: 'a' })).status, 404);

  // Metering: six streamed calls, all rows of the voter's team and key, marked shadow, with the cut one as such.
  await gw.store.requestLog.flush();
  const rows = db.prepare("select contender, team, key_id, shadow, stream, outcome, error_code, race from requests where id like 'arena_%' order by ts").all() as Array<Record<string, unknown>>;
  assert.equal(rows.length, 6);
  for (const r of rows) assert.deepEqual([r.team, r.key_id, r.shadow, r.stream, r.race], ['raters', keyId, 1, 1, 'assistant']);
  assert.deepEqual(rows.slice(0, 2).map((r) => r.outcome), ['ok', 'ok']);
  const usage = db.prepare("select prompt_tokens, completion_tokens, usage_estimated, cost_nanos from requests where id like 'arena_%' order by ts limit 2").all() as Array<{ prompt_tokens: number; completion_tokens: number; usage_estimated: number; cost_nanos: number }>;
  for (const u of usage) assert.ok(u.prompt_tokens === 10 && u.completion_tokens > 5 && u.usage_estimated === 0 && u.cost_nanos > 0, `the upstream's own usage is metered: ${JSON.stringify(u)}`);
  const cutRows = rows.slice(2, 4);
  assert.deepEqual(cutRows.map((r) => [r.contender, r.outcome]).sort(), [['acme-large', 'ok'], ['rival-chat', 'cut']]);

  // 5. Refusals before the stream are plain OpenAI-shaped errors.
  const missing = await post('/v1/arena/match', { race: 'nope', prompt: 'hi', stream: true });
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');
  const chatOnly = await fetch(`${url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ team: 'raters', scopes: ['chat'] }) });
  const chatKey = ((await chatOnly.json()) as { key: string }).key;
  const denied = await fetch(`${url}/v1/arena/match`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${chatKey}` }, body: JSON.stringify({ race: 'assistant', prompt: 'hi', stream: true }) });
  assert.equal(denied.status, 403);
  assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'permission_denied');
});

test('a side that fails before writing anything discards the match: nothing to compare, no vote, spend still logged', async (t) => {
  const acme = await startFakeOpenAI({ answer: ACME, model: 'acme-large-v9-secret', eventDelayMs: 5 });
  const rival = await startFakeOpenAI({ answer: RIVAL, model: 'rival-model-2049', eventDelayMs: 5 });
  t.after(() => Promise.all([acme.close(), rival.close()]));
  const upstream = (url: string, model: string) => ({ provider: 'openai', base_url: url, api_key: 'sk-test', model, price: { input: 1, output: 1 }, retry: { max_retries: 0 } });
  const { url, dbFile, gw } = await startTestGateway(t, {
    contenders: { 'acme-large': upstream(acme.url, 'acme-large-v9-secret'), 'rival-chat': upstream(rival.url, 'rival-model-2049') },
    races: { assistant: { champion: 'acme-large', challengers: [{ contender: 'rival-chat', weight: 50 }], capture: true } },
  });
  rival.setFaults([{ kind: 'status', status: 503, message: 'overloaded' }]);
  const res = await fetch(`${url}/v1/arena/match`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ race: 'assistant', prompt: 'Tell me about Paris.', stream: true }) });
  assert.equal(res.status, 200);
  const { text, events } = await readEvents(res);
  assertAnonymous(res, text);
  const failed = events.filter((e) => e.type === 'answer.error');
  assert.equal(failed.length, 1);
  assert.equal(answerOf(events, failed[0]!.side!), '', 'the failed side wrote nothing');
  const last = events.at(-1)!;
  assert.equal(last.type, 'match.discarded');
  assert.ok(!events.some((e) => e.type === 'match.stored'));
  assert.equal((await fetch(`${url}/v1/arena/vote`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match_id: last.id, winner: 'a' }) })).status, 404);
  await gw.store.requestLog.flush();
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('select count(*) as n from arena_matches').get(), { n: 0 });
  const rows = db.prepare("select contender, outcome from requests where id like 'arena_%' order by contender").all();
  assert.deepEqual(rows, [{ contender: 'acme-large', outcome: 'ok' }, { contender: 'rival-chat', outcome: 'error' }]);
});
