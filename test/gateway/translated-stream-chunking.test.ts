/**
 * The translating front doors (`/v1/messages`, `/v1/responses` to an OpenAI-compatible upstream) send the same bytes
 * however the upstream's stream is cut into reads: in one piece, split inside events and inside UTF-8 characters, with
 * CRLF line ends, after a byte order mark, and when an error event mid-stream changes the bytes passed on (its secret
 * stripped) so that the rest of the stream is read a second way.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-split', object: 'chat.completion.chunk', created: 1, model: 'split-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

const EVENTS = [
  chunk({ role: 'assistant', content: 'Hé' }),
  chunk({ reasoning_content: '思考中…' }),
  chunk({ content: ' 👋 wörld' }),
  chunk({ content: ' and "quotes"\n' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":"ü' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ber"}' } }] }),
  chunk({}, 'tool_calls'),
  `data: ${JSON.stringify({ id: 'chatcmpl-split', object: 'chat.completion.chunk', created: 1, model: 'split-model', choices: [], usage: { prompt_tokens: 11, completion_tokens: 9, total_tokens: 20 } })}\n\n`,
  'data: [DONE]\n\n',
];
const LF = EVENTS.join('');
const CRLF = LF.replaceAll('\n\n', '\r\n\r\n');
const BOM = `\uFEFF${LF}`;
const ERROR_EVENT = `data: ${JSON.stringify({ error: { message: 'overloaded (key sk-proj-abcdefghijklmnop0123456789)', type: 'server_error' } })}\n\n`;
const ERROR_MID = [...EVENTS.slice(0, 3), ERROR_EVENT, ...EVENTS.slice(3)].join('');

/** A gateway whose one contender's upstream writes its stream in `splitEvery`-byte reads (in one piece without). */
async function gateway(t: TestContext, splitEvery?: number) {
  const up = await startFakeOpenAI({ eventDelayMs: 5, ...(splitEvery ? { splitEvery } : {}) });
  t.after(() => up.close());
  const gw = await startTestGateway(t, {
    contenders: { up: { provider: 'openai', base_url: up.url, api_key: 'sk-up-test-0123456789', model: 'split-model', price: { input: 1, output: 2, currency: 'CNY' }, retry: { max_retries: 0 } } },
  });
  return { up, gw };
}

type Door = 'messages' | 'responses';

/** The client's bytes for `body` streamed by the upstream, with what varies per request made fixed. */
async function streamed(g: Awaited<ReturnType<typeof gateway>>, door: Door, body: string): Promise<string> {
  g.up.setFaults([{ kind: 'replay', body }]);
  const request: { headers: Record<string, string>; body: object } =
    door === 'messages'
      ? { headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: { model: 'up', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true } }
      : { headers: { 'content-type': 'application/json' }, body: { model: 'up', input: 'Hi', store: false, stream: true } };
  const res = await fetch(`${g.gw.url}/v1/${door}`, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  // Response and item ids are the request's own, `created_at` its second: the rest must not depend on the reads.
  return text.replace(/(resp|msg|rs|fc)_req_[0-9a-zA-Z-]+/g, '$1_ID').replace(/"created_at":\d+/g, '"created_at":0');
}

for (const door of ['messages', 'responses'] as const) {
  test(`${door} translated stream: the same bytes whether the upstream's stream comes whole, split inside events and characters, with CRLF, or after a byte order mark`, async (t) => {
    const whole = await gateway(t);
    const split3 = await gateway(t, 3);
    const split7 = await gateway(t, 7);
    const expected = await streamed(whole, door, LF);
    assert.match(expected, door === 'messages' ? /"text":" and \\"quotes\\"\\n"/ : /"text":"Hé 👋 wörld and \\"quotes\\"\\n"/);
    assert.match(expected, door === 'messages' ? /"partial_json":"ber\\"}"/ : /"arguments":"{\\"q\\":\\"über\\"}"/);
    assert.match(expected, /"output_tokens":9/);
    for (const [name, g, body] of [
      ['split in 3-byte reads', split3, LF],
      ['CRLF', whole, CRLF],
      ['CRLF in 7-byte reads', split7, CRLF],
      ['byte order mark', whole, BOM],
      ['byte order mark in 3-byte reads', split3, BOM],
    ] as const) {
      assert.equal(await streamed(g, door, body), expected, name);
    }
  });

  test(`${door} translated stream: an upstream error event mid-stream (its key stripped) ends the stream the same way in any reads`, async (t) => {
    // The first read holds no error event: one there fails the attempt before any byte reaches the client.
    const split40 = await gateway(t, 40);
    const split5 = await gateway(t, 5);
    const expected = await streamed(split40, door, ERROR_MID);
    assert.match(expected, /overloaded/);
    assert.doesNotMatch(expected, /sk-proj-abcdefghijklmnop0123456789/);
    assert.doesNotMatch(expected, /quotes/, 'nothing after the error event is translated');
    assert.match(expected, door === 'messages' ? /event: error\n/ : /event: response\.failed\n/);
    assert.equal(await streamed(split5, door, ERROR_MID), expected);
  });
}

// A suspicion from reading the stream code: content and an error event in the same first read might reach a
// translating door's client as a 200 with an empty body. They do not; this keeps it so.
for (const door of ['messages', 'responses', 'chat/completions'] as const) {
  test(`${door}: an error event in the upstream's first read fails the attempt before any byte reaches the client, who gets an error in its protocol's shape, never an empty 200`, async (t) => {
    const g = await gateway(t);
    // Content, then the error, written in one piece: the gateway reads them in one chunk.
    g.up.setFaults([{ kind: 'replay', body: [...EVENTS.slice(0, 3), ERROR_EVENT].join('') }]);
    const request: { headers: Record<string, string>; body: object } =
      door === 'messages'
        ? { headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: { model: 'up', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true } }
        : door === 'responses'
          ? { headers: { 'content-type': 'application/json' }, body: { model: 'up', input: 'Hi', store: false, stream: true } }
          : { headers: { 'content-type': 'application/json' }, body: { model: 'up', messages: [{ role: 'user', content: 'Hi' }], stream: true } };
    const res = await fetch(`${g.gw.url}/v1/${door}`, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body) });
    const text = await res.text();
    assert.equal(res.status, 502, text);
    const body = JSON.parse(text) as { type?: string; error: { type: string; message: string; code?: string } };
    if (door === 'messages') assert.equal(body.type, 'error', 'the Anthropic error shape');
    else assert.equal(body.error.code, 'upstream_error', "OpenAI's error shape");
    assert.equal(body.error.type, 'api_error');
    assert.match(body.error.message, /overloaded/);
    assert.doesNotMatch(text, /sk-proj-abcdefghijklmnop0123456789/);
  });
}

// The translating doors skip the parse of a chunk that repeats an earlier one's bytes around its text. Chunks that
// look like the template but are not (a later `content` key overriding the text, a `logprobs.content` after it, the
// text escaped) must reach the client as JSON.parse reads them.
const HEAD = '{"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"split-model","choices":[{"index":0,"delta":{"content":';
const TEMPLATED = [
  '{"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"split-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
  `${HEAD}"One"},"finish_reason":null}]}`,
  `${HEAD}" two"},"finish_reason":null}]}`,
  `${HEAD}" three"},"finish_reason":null}]}`,
  `${HEAD}" hidden","content":" four"},"finish_reason":null}]}`,
  `${HEAD}" five"},"logprobs":{"content":" not text"},"finish_reason":null}]}`,
  // The same bytes before the logprobs string: a template made from the last `content` string would read " still not".
  `${HEAD}" five"},"logprobs":{"content":" still not"},"finish_reason":null}]}`,
  `${HEAD}" \\u00e9\\"\\\\ seven"},"finish_reason":null}]}`,
  `${HEAD} " eight" },"finish_reason":null}]}`,
  `${HEAD}" nine"},"finish_reason":null}]}`,
  '{"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"split-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
];

for (const door of ['messages', 'responses'] as const) {
  test(`${door} translated stream: chunks that repeat an earlier one's bytes, or only look like it, reach the client as JSON.parse reads them`, async (t) => {
    const g = await gateway(t);
    const text = await streamed(g, door, [...TEMPLATED.map((c) => `data: ${c}\n\n`), 'data: [DONE]\n\n'].join(''));
    const expected = TEMPLATED.map((c) => (JSON.parse(c) as { choices: Array<{ delta: { content?: string } }> }).choices[0]!.delta.content ?? '').join('');
    assert.equal(expected, 'One two three four five five é"\\ seven eight nine');
    const events = text.split('\n\n').flatMap((e) => e.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>));
    const deltas = events.flatMap((e) =>
      door === 'messages'
        ? e.type === 'content_block_delta' ? [(e.delta as { text: string }).text] : []
        : e.type === 'response.output_text.delta' ? [e.delta as string] : [],
    );
    assert.equal(deltas.join(''), expected);
    if (door === 'responses') assert.ok(events.some((e) => e.type === 'response.output_text.done' && e.text === expected), 'the done event carries the whole text');
  });
}
