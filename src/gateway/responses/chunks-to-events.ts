/**
 * OpenAI chat completion chunks (what every adapter streams) → Responses API stream events, event by event, each
 * with the next `sequence_number`: `response.created` and `response.in_progress` at the first chunk; reasoning
 * (`reasoning_content`) as a `reasoning` item whose summary text grows by `response.reasoning_summary_text.delta`;
 * content as a `message` item (`response.content_part.added`, `response.output_text.delta`, …); each tool call as a
 * `function_call` item whose arguments grow by `response.function_call_arguments.delta` (parallel calls one item
 * after another, as OpenAI sends them). An item is done (`….done`, `response.output_item.done`) when the next one
 * starts or the answer ends. The last word (`response.completed`, or `response.incomplete` at the output cap) is made
 * by `ending` once the request's row is committed, so it carries the settled usage. A cut or failed upstream stream
 * becomes `response.failed`.
 */
import { ChatChunkReader } from '../chat-chunk-reader.js';
import type { CallFacts } from '../request-record.js';
import type { ClientStream } from '../routed-call.js';
import type { LastWordFinder } from '../stream-writer.js';
import { translatedStream as translatedClientStream, type ChunkEvents } from '../translated-answer.js';
import { functionCallItem, itemIds, messageItem, reasoningItem, responseShell, responsesUsage, statusOf, type Answer } from './response-object.js';
import { isObject, type Json, type ResponsesBody } from './to-chat.js';

type Open = { kind: 'reasoning' } | { kind: 'message' } | { kind: 'call'; index: number; n: number };

export class ChunksToEvents {
  #out = '';
  #seq = 0;
  #started = false;
  #open: Open | null = null;
  #outputIndex = -1;
  readonly #items: Json[] = [];
  readonly #callsSeen = new Set<number>();
  readonly #answer: Answer = { model: '', reasoning: '', text: '', calls: [], finish: null };
  readonly #ids: ReturnType<typeof itemIds>;
  /** The message and reasoning item ids as JSON strings, for the deltas written out by hand. */
  readonly #quoted: { message: string; reasoning: string };
  #final: Json | null = null;
  readonly #reader = new ChatChunkReader();
  /** The upstream's `[DONE]` arrived: the answer is whole. */
  finished = false;
  failed = false;
  failure: string | null = null;

  constructor(
    readonly body: ResponsesBody,
    readonly id: string,
    readonly createdAt: number,
  ) {
    this.#ids = itemIds(id);
    this.#quoted = { message: JSON.stringify(this.#ids.message), reasoning: JSON.stringify(this.#ids.reasoning) };
  }

  get answer(): Answer {
    return this.#answer;
  }

  take(): string {
    const out = this.#out;
    this.#out = '';
    return out;
  }

  /**
   * One chunk's data. The deltas every token makes are written out by hand, byte for byte what `#emit` would make of
   * them, without an object and a walk per token; the chunk is read by a `ChatChunkReader`, most without a parse.
   */
  data(text: string): void {
    if (this.finished || this.failed) return;
    if (text === '[DONE]') {
      if (!this.#started) this.#start();
      // An answer with nothing in it still has its (empty) message, as a whole answer does.
      if (this.#open === null && this.#items.length === 0) this.#openMessage();
      this.#close(statusOf(this.#answer.finish).status);
      this.finished = true;
      return;
    }
    let chunk: unknown;
    try {
      chunk = this.#reader.read(text);
    } catch {
      return this.fail('The upstream sent a stream event that is not JSON.');
    }
    if (!isObject(chunk)) return;
    if (isObject(chunk.error)) return this.fail(String(chunk.error.message ?? 'The upstream stream failed.'));
    if (typeof chunk.model === 'string' && this.#answer.model === '') this.#answer.model = chunk.model;
    if (!this.#started) this.#start();
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : null;
    if (!choice) return;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (this.#open?.kind !== 'reasoning') this.#openReasoning();
      this.#answer.reasoning += reasoning;
      this.#out += `event: response.reasoning_summary_text.delta\ndata: {"type":"response.reasoning_summary_text.delta","item_id":${this.#quoted.reasoning},"output_index":${this.#outputIndex},"summary_index":0,"delta":${this.#reader.json(reasoning)},"sequence_number":${this.#seq++}}\n\n`;
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.#open?.kind !== 'message') this.#openMessage();
      this.#answer.text += delta.content;
      this.#out += `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":${this.#quoted.message},"output_index":${this.#outputIndex},"content_index":0,"delta":${this.#reader.json(delta.content)},"logprobs":[],"sequence_number":${this.#seq++}}\n\n`;
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) this.#toolCall(call);
    if (typeof choice.finish_reason === 'string') this.#answer.finish = choice.finish_reason;
  }

  /** The finished response from the committed facts (memoized: the store keeps what the client is sent). */
  final(facts: CallFacts): Json | null {
    if (!this.finished || this.failed) return null;
    if (this.#final) return this.#final;
    const { status, incomplete_details } = statusOf(this.#answer.finish);
    this.#final = { ...this.#shell(), status, incomplete_details, output: this.#items, usage: responsesUsage(facts.usage) };
    return this.#final;
  }

  /** The closing event, from the committed facts; null when the answer did not reach its end. */
  ending(facts: CallFacts): string | null {
    const response = this.final(facts);
    if (response === null) return null;
    if (!this.#started) this.#start();
    const name = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    this.#emit(name, { response });
    return this.take();
  }

  /** Ends the stream with `response.failed` (an upstream failure, or an answer this translation cannot carry). */
  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = message;
    if (!this.#started) this.#start();
    this.#emit('response.failed', { response: { ...this.#shell(), status: 'failed', error: { code: 'server_error', message }, output: this.#items } });
  }

  /** An `error` event (the gateway's own failure: its log, a shutdown), numbered after what was sent. */
  errorEvent(code: string, message: string): Buffer {
    this.#emit('error', { code, message, param: null });
    return Buffer.from(this.take());
  }

  #shell(): Json {
    return responseShell(this.body, this.id, this.createdAt, this.#answer.model || this.body.model);
  }

  #start(): void {
    this.#started = true;
    // One response, two events: written once.
    const json = JSON.stringify({ response: this.#shell() });
    this.#emitJson('response.created', json);
    this.#emitJson('response.in_progress', json);
  }

  #toolCall(call: Json): void {
    const index = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    const current = this.#open?.kind === 'call' && this.#open.index === index;
    if (!current) {
      if (this.#callsSeen.has(index)) return this.fail('The upstream interleaved the arguments of parallel tool calls, which this translation cannot carry.');
      this.#callsSeen.add(index);
      this.#close('completed');
      const n = this.#answer.calls.length;
      this.#answer.calls.push({ id: String(call.id ?? ''), name: String(fn.name ?? ''), arguments: '' });
      this.#open = { kind: 'call', index, n };
      this.#added(functionCallItem(this.#ids.call(n), String(call.id ?? ''), String(fn.name ?? ''), '', 'in_progress'));
    }
    const open = this.#open as { n: number };
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      this.#answer.calls[open.n]!.arguments += fn.arguments;
      this.#out += `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","item_id":${JSON.stringify(this.#ids.call(open.n))},"output_index":${this.#outputIndex},"delta":${JSON.stringify(fn.arguments)},"sequence_number":${this.#seq++}}\n\n`;
    }
  }

  #openReasoning(): void {
    this.#close('completed');
    this.#open = { kind: 'reasoning' };
    this.#added(reasoningItem(this.#ids.reasoning, '', 'in_progress'));
    this.#emit('response.reasoning_summary_part.added', { item_id: this.#ids.reasoning, output_index: this.#outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
  }

  #openMessage(): void {
    this.#close('completed');
    this.#open = { kind: 'message' };
    this.#added({ id: this.#ids.message, type: 'message', status: 'in_progress', role: 'assistant', content: [] });
    this.#emit('response.content_part.added', { item_id: this.#ids.message, output_index: this.#outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
  }

  #added(item: Json): void {
    this.#outputIndex++;
    this.#emit('response.output_item.added', { output_index: this.#outputIndex, item });
  }

  #close(status: string): void {
    const open = this.#open;
    if (open === null) return;
    this.#open = null;
    const at = { output_index: this.#outputIndex };
    let item: Json;
    if (open.kind === 'reasoning') {
      const text = this.#answer.reasoning;
      this.#emit('response.reasoning_summary_text.done', { item_id: this.#ids.reasoning, ...at, summary_index: 0, text });
      this.#emit('response.reasoning_summary_part.done', { item_id: this.#ids.reasoning, ...at, summary_index: 0, part: { type: 'summary_text', text } });
      item = reasoningItem(this.#ids.reasoning, text, status);
    } else if (open.kind === 'message') {
      const text = this.#answer.text;
      this.#emit('response.output_text.done', { item_id: this.#ids.message, ...at, content_index: 0, text, logprobs: [] });
      this.#emit('response.content_part.done', { item_id: this.#ids.message, ...at, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } });
      item = messageItem(this.#ids.message, text, status);
    } else {
      const c = this.#answer.calls[open.n]!;
      this.#emit('response.function_call_arguments.done', { item_id: this.#ids.call(open.n), ...at, name: c.name, arguments: c.arguments });
      item = functionCallItem(this.#ids.call(open.n), c.id, c.name, c.arguments, status);
    }
    this.#items.push(item);
    this.#emit('response.output_item.done', { ...at, item });
  }

  #emit(type: string, data: Json): void {
    this.#emitJson(type, JSON.stringify(data));
  }

  /**
   * The event of `type` whose other members are those of the JSON object `json`: byte for byte what stringifying
   * `{ type, ...data, sequence_number }` makes (no `data` here has a `type` or `sequence_number` of its own, and every
   * `type` is a plain name), without copying `data` into a new object first.
   */
  #emitJson(type: string, json: string): void {
    const members = json.length > 2 ? `${json.slice(1, -1)},` : '';
    this.#out += `event: ${type}\ndata: {"type":"${type}",${members}"sequence_number":${this.#seq++}}\n\n`;
  }
}

const MARKERS = ['event: response.failed', 'event: error'].map((m) => Buffer.from(m));

/** A translated Responses stream's held-back last word: a `response.failed` or `error` event, at a line start. */
export const responsesLastWord: LastWordFinder = (buf) => {
  for (const marker of MARKERS) {
    for (let at = buf.indexOf(marker); at >= 0; at = buf.indexOf(marker, at + 1)) {
      if (at === 0 || buf[at - 1] === 0x0a) return at;
    }
  }
  return -1;
};

/** The client's stream of a call, through `t`. */
export function translatedStream(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, t: ChunksToEvents, events?: ChunkEvents): ClientStream {
  return translatedClientStream(first, rest, t, responsesLastWord, events);
}
