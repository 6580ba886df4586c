/**
 * A fake Anthropic Messages API: a real node:http server on 127.0.0.1 (port 0) that answers
 * `POST /v1/messages` like api.anthropic.com (API version 2023-06-01), for tests of the `anthropic` provider.
 *
 *   const fake = await startFakeAnthropic({ answer: { text: 'Hello there', thinking: 'Greet back.' } });
 *   t.after(() => fake.close());
 *   // contender: { provider: 'anthropic', base_url: fake.url, api_key: 'sk-ant-test', model: 'claude-test' }
 *   fake.setFaults([{ kind: 'status', status: 529, retryAfter: '0' }, { kind: 'ok' }]);
 *   fake.requests[0]?.body.system; fake.requests[0]?.headers['x-api-key'];
 *
 * - `url` is the base URL without `/v1`, as a contender's `base_url` takes it.
 * - Non-streaming requests get a `message` object; `stream: true` gets the real event sequence: message_start,
 *   ping, a thinking block (thinking_delta…, signature_delta), a text block (text_delta…, a ping inside),
 *   tool_use blocks (an empty then partial input_json_delta…), message_delta (stop_reason, cumulative
 *   output usage), message_stop. Text and JSON are split into `chunkChars`-sized deltas.
 * - Like the real API it answers 401 without `x-api-key`, 400 without `anthropic-version`, `max_tokens` or
 *   `messages`, with Anthropic's error body `{"type":"error","error":{"type","message"}}`.
 * - `POST /v1/messages/count_tokens` answers `{"input_tokens": fakeTokenCount(body)}` (no `max_tokens` allowed).
 * - Every request is recorded in `requests` (headers and parsed body), faulted ones included.
 * - `setFaults([...])` replaces a queue consumed one fault per request; an empty queue means `ok`:
 *   `ok` (optionally with its own answer), `status` (HTTP error with Anthropic's body and an optional
 *   retry-after), `reset` (socket destroyed before headers), `hang` (no answer until `close()`),
 *   `cut` (stream: socket destroyed after `afterEvents` events; non-stream: after half the body),
 *   `error_event` (stream: an `error` event after `afterEvents` events, then the end; non-stream: as `cut`),
 *   `invalid_event` (stream: after `afterEvents` events, one whose data is not the Messages API's, by default
 *   unparsable JSON, then the rest of the answer; non-stream: as `cut`),
 *   `replay` (a recorded body, e.g. a `test/fixtures/anthropic-*.sse` file, sent as is with status 200; with
 *   `splitEvery`, in slices of that many bytes, each its own write after a short pause).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildConfig } from '../../src/config/load.js';
import type { Contender } from '../../src/config/types.js';
import { closeServer, readBody } from './loopback-server.js';

export interface FakeAnthropicAnswer {
  text?: string;
  thinking?: string;
  toolUses?: Array<{ id?: string; name: string; input: Record<string, unknown> }>;
  /** Defaults to `tool_use` when there are tool uses, else `end_turn`. */
  stopReason?: string;
  /** Defaults to the request's model. */
  model?: string;
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number; thinking_tokens?: number };
}

export type FakeAnthropicFault =
  | { kind: 'ok'; answer?: FakeAnthropicAnswer }
  | { kind: 'status'; status: number; retryAfter?: string; errorType?: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'cut'; afterEvents: number }
  | { kind: 'error_event'; afterEvents: number; errorType?: string; message?: string }
  | { kind: 'invalid_event'; afterEvents: number; data?: string }
  | { kind: 'replay'; body: string | Buffer; contentType?: string; splitEvery?: number };

export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface FakeAnthropicOptions {
  answer?: FakeAnthropicAnswer | ((req: RecordedAnthropicRequest) => FakeAnthropicAnswer);
  /** Pause between SSE events, in ms (default 0). */
  eventDelayMs?: number;
  /** Characters per text/thinking/JSON delta (default 4). */
  chunkChars?: number;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedAnthropicRequest[];
  setFaults(faults: FakeAnthropicFault[]): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

type SseEvent = [name: string, data: Record<string, unknown>];

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const requests: RecordedAnthropicRequest[] = [];
  let faults: FakeAnthropicFault[] = [];
  let seq = 0;
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'invalid_request_error', 'request body is not valid JSON');
    }
    const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
    requests.push(recorded);
    const fault = faults.shift() ?? { kind: 'ok' };
    if (fault.kind === 'reset') return void req.socket.destroy();
    if (fault.kind === 'hang') return;
    if (fault.kind === 'status') return sendError(res, fault.status, fault.errorType ?? ERROR_TYPES[fault.status] ?? 'api_error', fault.message ?? `fake ${fault.status}`, fault.retryAfter);
    if (fault.kind === 'replay') {
      res.writeHead(200, { 'content-type': fault.contentType ?? 'text/event-stream' });
      const all = Buffer.from(fault.body);
      const step = fault.splitEvery ?? all.length;
      for (let at = 0; at < all.length; at += step) {
        if (at > 0) await new Promise((r) => setTimeout(r, 2));
        await new Promise<void>((r) => res.write(all.subarray(at, at + step), () => r()));
      }
      return void res.end();
    }
    if (recorded.path === '/v1/messages/count_tokens') return countTokens(res, recorded);
    const problem = validate(recorded);
    if (problem) return sendError(res, problem[0], ERROR_TYPES[problem[0]] ?? 'api_error', problem[1]);
    const answer = (fault.kind === 'ok' ? fault.answer : undefined) ?? (typeof opts.answer === 'function' ? opts.answer(recorded) : opts.answer) ?? { text: 'Hello from the fake Anthropic.' };
    const id = `msg_fake_${String(++seq).padStart(4, '0')}`;
    const model = answer.model ?? String(body.model);
    if (body.stream !== true) return sendMessage(res, messageObject(id, model, answer), fault.kind === 'ok' ? null : 'cut');
    await sendStream(res, streamEvents(id, model, answer, opts.chunkChars ?? 4), fault);
  }

  async function sendStream(res: ServerResponse, events: SseEvent[], fault: FakeAnthropicFault): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
    const limit = fault.kind === 'cut' || fault.kind === 'error_event' ? fault.afterEvents : events.length;
    for (const [i, [name, data]] of events.slice(0, limit).entries()) {
      if (res.destroyed) return;
      if (fault.kind === 'invalid_event' && i === fault.afterEvents) {
        await new Promise<void>((r) => res.write(`event: content_block_delta\ndata: ${fault.data ?? '{"type":"content_block_delta","index":0,"delta":{"type":"text_d'}\n\n`, () => r()));
      }
      // Wait for each write to reach the socket, so a cut after n events really delivers those n events.
      await new Promise<void>((r) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`, () => r()));
      if (opts.eventDelayMs) await new Promise((r) => setTimeout(r, opts.eventDelayMs));
    }
    if (fault.kind === 'cut') return void res.socket?.destroy();
    if (fault.kind === 'error_event') {
      const error = { type: fault.errorType ?? 'overloaded_error', message: fault.message ?? 'Overloaded' };
      res.write(`event: error\ndata: ${JSON.stringify({ type: 'error', error })}\n\n`);
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setFaults(f) {
      faults = [...f];
    },
    close: () => closeServer(server),
  };
}


/**
 * `POST /v1/messages/count_tokens` as documented: the same body as /v1/messages without `max_tokens` (Anthropic
 * refuses it there as an extra input), answered `{"input_tokens": N}`. N here: a quarter of the JSON characters of
 * system, messages and tools, a count the tests can compute.
 */
function countTokens(res: ServerResponse, r: RecordedAnthropicRequest): void {
  if (typeof r.headers['x-api-key'] !== 'string') return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
  if (!Array.isArray(r.body.messages)) return sendError(res, 400, 'invalid_request_error', 'messages: Field required');
  if (r.body.max_tokens !== undefined) return sendError(res, 400, 'invalid_request_error', 'max_tokens: Extra inputs are not permitted');
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
  res.end(JSON.stringify({ input_tokens: fakeTokenCount(r.body) }));
}

/** The fake's count_tokens answer for a body. */
export function fakeTokenCount(body: Record<string, unknown>): number {
  return Math.ceil(JSON.stringify([body.system ?? null, body.messages, body.tools ?? null]).length / 4);
}

function validate(r: RecordedAnthropicRequest): [number, string] | null {
  if (r.method !== 'POST' || r.path !== '/v1/messages') return [404, `no route ${r.method} ${r.path}`];
  if (typeof r.headers['x-api-key'] !== 'string') return [401, 'x-api-key header is required'];
  if (typeof r.headers['anthropic-version'] !== 'string') return [400, 'anthropic-version: header is required'];
  if (typeof r.body.max_tokens !== 'number') return [400, 'max_tokens: Field required'];
  if (!Array.isArray(r.body.messages)) return [400, 'messages: Field required'];
  return null;
}

function sendError(res: ServerResponse, status: number, type: string, message: string, retryAfter?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': 'req_fake' };
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  res.writeHead(status, headers);
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

function sendMessage(res: ServerResponse, message: Record<string, unknown>, fault: 'cut' | null): void {
  const text = JSON.stringify(message);
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
  if (fault === 'cut') {
    res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(text);
}

/** Usage as the API reports it; `output_tokens_details.thinking_tokens` only when the answer says how many. */
function usageOf(a: FakeAnthropicAnswer): Record<string, unknown> & { output_tokens: number } {
  const produced = (a.text ?? '') + (a.thinking ?? '') + JSON.stringify(a.toolUses ?? []);
  return {
    input_tokens: a.usage?.input_tokens ?? 12,
    output_tokens: a.usage?.output_tokens ?? Math.max(1, Math.ceil(produced.length / 4)),
    cache_read_input_tokens: a.usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: a.usage?.cache_creation_input_tokens ?? 0,
    ...(a.usage?.thinking_tokens !== undefined ? { output_tokens_details: { thinking_tokens: a.usage.thinking_tokens } } : {}),
  };
}

function stopReasonOf(a: FakeAnthropicAnswer): string {
  return a.stopReason ?? ((a.toolUses?.length ?? 0) > 0 ? 'tool_use' : 'end_turn');
}

function toolId(a: FakeAnthropicAnswer, i: number): string {
  return a.toolUses?.[i]?.id ?? `toolu_fake_${i}`;
}

function messageObject(id: string, model: string, a: FakeAnthropicAnswer): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (a.thinking) content.push({ type: 'thinking', thinking: a.thinking, signature: 'fake-signature' });
  if (a.text) content.push({ type: 'text', text: a.text });
  (a.toolUses ?? []).forEach((u, i) => content.push({ type: 'tool_use', id: toolId(a, i), name: u.name, input: u.input }));
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReasonOf(a), stop_sequence: null, usage: usageOf(a) };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function streamEvents(id: string, model: string, a: FakeAnthropicAnswer, size: number): SseEvent[] {
  const usage = usageOf(a);
  const events: SseEvent[] = [
    ['message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }],
    ['ping', { type: 'ping' }],
  ];
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: start }]);
    for (const delta of deltas) events.push(['content_block_delta', { type: 'content_block_delta', index, delta }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    index++;
  };
  if (a.thinking) {
    const deltas = pieces(a.thinking, size).map((thinking) => ({ type: 'thinking_delta', thinking }));
    block({ type: 'thinking', thinking: '', signature: '' }, [...deltas, { type: 'signature_delta', signature: 'fake-signature' }]);
  }
  if (a.text) {
    block({ type: 'text', text: '' }, pieces(a.text, size).map((text) => ({ type: 'text_delta', text })));
    events.splice(events.length - 2, 0, ['ping', { type: 'ping' }]);
  }
  (a.toolUses ?? []).forEach((u, i) => {
    const json = pieces(JSON.stringify(u.input), size).map((partial_json) => ({ type: 'input_json_delta', partial_json }));
    block({ type: 'tool_use', id: toolId(a, i), name: u.name, input: {} }, [{ type: 'input_json_delta', partial_json: '' }, ...json]);
  });
  const details = usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {};
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: stopReasonOf(a), stop_sequence: null }, usage: { output_tokens: usage.output_tokens, ...details } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

/** A linked `anthropic` contender named `claude` pointed at a fake's `url`; `extra` takes config keys (snake_case). */
export function fakeAnthropicContender(url: string, extra: Record<string, unknown> = {}): Contender {
  const config = buildConfig({ contenders: { claude: { provider: 'anthropic', model: 'claude-test', base_url: url, api_key: 'sk-ant-test-0123456789', ...extra } }, races: {} }, {});
  const contender = config.contenders.get('claude');
  if (!contender) throw new Error('contender not linked');
  return contender;
}
