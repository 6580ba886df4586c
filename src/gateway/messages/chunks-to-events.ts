/**
 * OpenAI chat completion chunks (what every non-Anthropic adapter streams) → Anthropic Messages stream events, event
 * by event: `message_start` at the first chunk; `reasoning_content` as a thinking block, `content` as a text block,
 * each tool call as a tool_use block whose argument pieces are `input_json_delta`s (parallel calls one block after
 * another, as OpenAI sends them); `content_block_stop` when the next block starts or the answer ends. The closing
 * `message_delta` (stop reason, usage) and `message_stop` are made by `ending` once the request's row is committed, so
 * they carry the settled usage (the upstream's, or the gateway's estimate when it reported none) and a client that
 * sees `message_stop` knows the call is on record. A cut upstream stream becomes Anthropic's `error` event.
 */
import { ChatChunkReader } from '../chat-chunk-reader.js';
import type { CallFacts } from '../request-record.js';
import type { ClientStream } from '../routed-call.js';
import { lineStartingWith } from '../sse-line-start.js';
import type { LastWordFinder } from '../stream-writer.js';
import { translatedStream as translatedClientStream, type ChunkEvents } from '../translated-answer.js';
import { anthropicErrorEvent } from './anthropic-errors.js';
import { anthropicUsage, matchedStop, stopReason } from './to-message.js';
import { isObject, type Json } from './validate-messages.js';

type Block = { kind: 'thinking' | 'text' } | { kind: 'tool'; call: number };

export class ChunksToEvents {
  #out = '';
  #started = false;
  #block: Block | null = null;
  #index = -1;
  readonly #toolsSeen = new Set<number>();
  #finish: string | null = null;
  #matched: string | null = null;
  /** The upstream's `[DONE]` arrived: the answer is whole. */
  finished = false;
  failed = false;
  /** Why this translation ended the stream with an error event, when it did. */
  failure: string | null = null;
  /** Most token chunks read without a parse. */
  readonly #reader = new ChatChunkReader();

  constructor(
    readonly requestId: string,
    readonly stops: readonly string[],
  ) {}

  take(): string {
    const out = this.#out;
    this.#out = '';
    return out;
  }

  data(text: string): void {
    if (this.finished || this.failed) return;
    if (text === '[DONE]') {
      this.#close();
      this.finished = true;
      return;
    }
    let chunk: unknown;
    try {
      chunk = this.#reader.read(text);
    } catch {
      return this.#fail('The upstream sent a stream event that is not JSON.');
    }
    if (!isObject(chunk)) return;
    if (isObject(chunk.error)) return this.#fail(String(chunk.error.message ?? 'The upstream stream failed.'));
    if (!this.#started) this.#start(chunk);
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : null;
    if (!choice) return;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') {
      if (this.#block?.kind !== 'thinking') this.#open({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' });
      this.#delta('thinking_delta', 'thinking', reasoning);
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.#block?.kind !== 'text') this.#open({ kind: 'text' }, { type: 'text', text: '', citations: null });
      this.#delta('text_delta', 'text', delta.content);
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) this.#toolCall(call);
    if (typeof choice.finish_reason === 'string') {
      this.#finish = choice.finish_reason;
      this.#matched = matchedStop(choice, this.stops);
    }
  }

  /** The closing events, from the committed facts; null when the answer did not reach its end. */
  ending(facts: CallFacts): string | null {
    if (!this.finished || this.failed) return null;
    if (!this.#started) this.#start({});
    const delta = { type: 'message_delta', delta: { stop_reason: stopReason(this.#finish, this.#matched), stop_sequence: this.#matched }, usage: anthropicUsage(facts.usage) };
    return this.take() + event('message_delta', delta) + event('message_stop', { type: 'message_stop' });
  }

  #start(chunk: Json): void {
    this.#started = true;
    const id = typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : this.requestId;
    const message = {
      id: id.startsWith('msg_') ? id : `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: typeof chunk.model === 'string' ? chunk.model : '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Input tokens are known only at the end from an OpenAI-compatible upstream: message_delta carries them.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    this.#out += event('message_start', { type: 'message_start', message });
  }

  #toolCall(call: Json): void {
    const n = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    const current = this.#block?.kind === 'tool' && this.#block.call === n;
    if (!current) {
      if (this.#toolsSeen.has(n)) return this.#fail('The upstream interleaved the arguments of parallel tool calls, which a Messages stream cannot carry.');
      this.#toolsSeen.add(n);
      this.#open({ kind: 'tool', call: n }, { type: 'tool_use', id: String(call.id ?? ''), name: String(fn.name ?? ''), input: {} });
    }
    if (typeof fn.arguments === 'string' && fn.arguments !== '') this.#delta('input_json_delta', 'partial_json', fn.arguments);
  }

  #open(block: Block, start: Json): void {
    this.#close();
    this.#block = block;
    this.#index++;
    this.#out += event('content_block_start', { type: 'content_block_start', index: this.#index, content_block: start });
  }

  /** A `content_block_delta`, written out by hand: the event every token makes, so the one worth no object and no walk. */
  #delta(type: 'thinking_delta' | 'text_delta' | 'input_json_delta', key: 'thinking' | 'text' | 'partial_json', value: string): void {
    this.#out += `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.#index},"delta":{"type":"${type}","${key}":${this.#reader.json(value)}}}\n\n`;
  }

  #close(): void {
    if (this.#block === null) return;
    this.#out += event('content_block_stop', { type: 'content_block_stop', index: this.#index });
    this.#block = null;
  }

  #fail(message: string): void {
    this.failed = true;
    this.failure = message;
    this.#out += anthropicErrorEvent('api_error', message).toString();
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

const MESSAGE_STOP = [Buffer.from('event: message_stop')];
const ERROR = [Buffer.from('event: error')];

/** A Messages stream's last word: its `message_stop` or its `error` event, at the start of a line. */
export const anthropicLastWord: LastWordFinder = (buf) => {
  const stop = lineStartingWith(buf, MESSAGE_STOP);
  return stop >= 0 ? stop : lineStartingWith(buf, ERROR);
};

/** The client's stream of a translated call. */
export function translatedStream(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, requestId: string, stops: readonly string[], events?: ChunkEvents): ClientStream {
  return translatedClientStream(first, rest, new ChunksToEvents(requestId, stops), anthropicLastWord, events);
}
