/**
 * A passed-through stream is the upstream's bytes, exactly: whatever the upstream's line ends (LF, CRLF, CR), however
 * its writes cut events and multi-byte characters, and even where its text is not valid UTF-8. The gateway still
 * reads what it meters from the same bytes: usage, and without usage the text for an estimate.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { countTokens } from '../../src/metering/tokenizer.js';
import { startFakeAnthropic } from '../support/fake-anthropic-upstream.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { loggedRow, startTestGateway } from '../support/gateway.js';

type Json = Record<string, unknown>;

/** Cuts inside events and inside the multi-byte characters below. */
const SPLIT = 7;
const TEXT = ['你好，', 'café ', '🐎 ', 'horse race'];

async function readAll(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

function anthropicStream(eol: string, invalidByte: boolean): Buffer {
  const events: Array<[string, Json]> = [
    ['message_start', { type: 'message_start', message: { id: 'msg_bytes', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['ping', { type: 'ping' }],
    ...TEXT.map((text): [string, Json] => ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }]),
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  const parts = events.map(([name, data]) => Buffer.from(`event: ${name}${eol}data: ${JSON.stringify(data)}${eol}${eol}`));
  // A byte that is not UTF-8 inside a text delta's string: a decoder would turn it into U+FFFD (three other bytes).
  if (invalidByte) parts.splice(4, 0, Buffer.concat([Buffer.from(`event: content_block_delta${eol}data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x`), Buffer.from([0xff]), Buffer.from(`"}}${eol}${eol}`)]));
  return Buffer.concat(parts);
}

async function anthropicGateway(t: TestContext) {
  const claude = await startFakeAnthropic();
  t.after(() => claude.close());
  const gw = await startTestGateway(t, {
    contenders: { claude: { provider: 'anthropic', base_url: claude.url, api_key: 'sk-ant-test-0123456789', model: 'claude-test', price: { input: 3, output: 15, currency: 'USD' }, retry: { max_retries: 0 } } },
  });
  return { ...gw, claude };
}

for (const [name, eol, invalidByte] of [['LF, with a byte that is not UTF-8', '\n', true], ['CRLF', '\r\n', false], ['CR', '\r', false]] as const) {
  test(`Messages passed through: the upstream's bytes exactly (${name} line ends, written ${SPLIT} bytes at a time), metered from its usage`, async (t) => {
    const gw = await anthropicGateway(t);
    const upstream = anthropicStream(eol, invalidByte);
    gw.claude.setFaults([{ kind: 'replay', body: upstream, splitEvery: SPLIT }]);
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(res.status, 200);
    const got = await readAll(res);
    assert.ok(got.equals(upstream), `client got ${JSON.stringify(got.toString('latin1').slice(-120))}`);
    const row = loggedRow(gw.dbFile, res.headers.get('x-saima-request-id')!)!;
    assert.equal(row.outcome, 'ok');
    assert.equal(row.prompt_tokens, 20);
    assert.equal(row.completion_tokens, 7);
    assert.equal(row.usage_estimated, 0);
  });
}

function responsesStream(withUsage: boolean, deltas: readonly string[] = TEXT, complete = true): Buffer {
  const id = 'resp_bytes';
  const response = (status: string, output: Json[], usage: Json | null) => ({ id, object: 'response', created_at: 1, status, model: 'gpt-test', output, usage });
  const text = deltas.join('');
  const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const events: Json[] = [
    { type: 'response.created', response: response('in_progress', [], null) },
    { type: 'response.in_progress', response: response('in_progress', [], null) },
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
    ...deltas.map((delta) => ({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta })),
    { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text },
    { type: 'response.output_item.done', output_index: 0, item },
    ...(complete ? [{ type: 'response.completed', response: response('completed', [item], withUsage ? { input_tokens: 11, output_tokens: 9, total_tokens: 20 } : null) }] : []),
  ];
  return Buffer.from(events.map((e, n) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: n })}\n\n`).join(''));
}

async function responsesGateway(t: TestContext, splitEvery = SPLIT) {
  const gpt = await startFakeOpenAI({ model: 'gpt-test', splitEvery, eventDelayMs: 2 });
  t.after(() => gpt.close());
  const gw = await startTestGateway(t, {
    contenders: { gpt: { provider: 'openai', base_url: gpt.url, api_key: 'sk-gpt-test-0123456789', model: 'gpt-test', responses: true, price: { input: 2, output: 8, currency: 'USD' }, retry: { max_retries: 0 } } },
  });
  return { ...gw, gpt };
}

async function askResponses(url: string): Promise<{ bytes: Buffer; id: string }> {
  const res = await fetch(`${url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt', input: 'Hi', stream: true }) });
  assert.equal(res.status, 200);
  return { bytes: await readAll(res), id: res.headers.get('x-saima-request-id')! };
}

test(`Responses passed through: the upstream's bytes exactly (written ${SPLIT} bytes at a time), metered from response.completed`, async (t) => {
  const gw = await responsesGateway(t);
  const upstream = responsesStream(true);
  gw.gpt.setFaults([{ kind: 'replay', body: upstream }]);
  const { bytes, id } = await askResponses(gw.url);
  assert.ok(bytes.equals(upstream), `client got ${JSON.stringify(bytes.toString('utf8').slice(-160))}`);
  const row = loggedRow(gw.dbFile, id)!;
  assert.equal(row.outcome, 'ok');
  assert.equal(row.prompt_tokens, 11);
  assert.equal(row.completion_tokens, 9);
  assert.equal(row.usage_estimated, 0);
});

/** A Responses stream without usage, passed through: the client gets its bytes, the row an estimate from `texts`. */
async function assertEstimatedFromDeltas(t: TestContext, texts: readonly string[], splitEvery?: number): Promise<void> {
  const gw = await responsesGateway(t, splitEvery);
  const upstream = responsesStream(false, texts);
  gw.gpt.setFaults([{ kind: 'replay', body: upstream }]);
  const { bytes, id } = await askResponses(gw.url);
  assert.ok(bytes.equals(upstream));
  const row = loggedRow(gw.dbFile, id)!;
  assert.equal(row.usage_estimated, 1);
  assert.equal(row.completion_tokens, await countTokens(texts.join('')));
}

test('Responses passed through without usage: the output is estimated from the text of every delta, split or not', (t) => assertEstimatedFromDeltas(t, TEXT));

// Far more event data than the gateway keeps unread (64 k characters), so the deltas and sequence numbers are read in
// batches as the stream comes: nothing may be lost or reordered between batches.
const LONG = Array.from({ length: 3000 }, (_, i) => `w${i} `);

test('a long Responses stream without usage: the estimate counts the text of every delta, in order, across the batches it is read in', (t) =>
  assertEstimatedFromDeltas(t, LONG, 16 * 1024));

test('a long Responses stream cut before its end: the error event is numbered after the last event sent', async (t) => {
  const gw = await responsesGateway(t, 16 * 1024);
  const upstream = responsesStream(false, LONG, false);
  gw.gpt.setFaults([{ kind: 'replay', body: upstream }]);
  const { bytes, id } = await askResponses(gw.url);
  const events = bytes.toString('utf8').split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Json);
  const sent = upstream.toString('utf8').split('\n\n').filter(Boolean).length;
  assert.equal(events.length, sent + 1);
  const last = events.at(-1)!;
  assert.equal(last.type, 'error');
  assert.equal(last.sequence_number, sent);
  assert.equal(loggedRow(gw.dbFile, id)!.outcome, 'cut');
});
