/**
 * Anthropic Messages SSE → OpenAI `chat.completion.chunk` SSE.
 *
 * Anthropic: message_start (id, model, input usage) · per content block a content_block_start, deltas
 * (text_delta, thinking_delta, signature_delta, input_json_delta) and content_block_stop · message_delta
 * (stop_reason, cumulative usage) · message_stop, with `ping` anywhere and possibly an `error` event.
 * OpenAI: a role chunk, content / reasoning_content / tool_calls deltas, a finish chunk, the usage chunk
 * (`choices: []`) when the client asked for it, then `data: [DONE]`.
 *
 * Nothing is released to the client before the first real delta: until then a failure is still a clean,
 * retryable first-byte error, thrown from the body iterator.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { z } from 'zod';
import type { Contender } from '../../config/types.js';
import type { CallOutcome, Usage } from '../spec.js';
import { SseAligner } from '../stream-aligner.js';
import type { CallDeadline } from '../stream-deadline.js';
import { UpstreamError } from '../upstream-error.js';
import { anthropicErrorEvent, errorForEvent, invalidEvent, streamCutEvent } from './errors.js';
import { AnthropicUsageSchema, finishReason, openAIUsage, toUsage, type AnthropicUsage } from './translate-response.js';

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_start'), message: z.object({ id: z.string(), model: z.string(), usage: AnthropicUsageSchema.nullish() }) }),
  z.object({
    type: z.literal('content_block_start'),
    index: z.number(),
    content_block: z.object({ type: z.string(), text: z.string().optional(), thinking: z.string().optional(), id: z.string().optional(), name: z.string().optional(), input: z.unknown().optional() }),
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number(),
    delta: z.object({ type: z.string(), text: z.string().optional(), thinking: z.string().optional(), partial_json: z.string().optional() }),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number() }),
  z.object({ type: z.literal('message_delta'), delta: z.object({ stop_reason: z.string().nullish() }), usage: AnthropicUsageSchema.nullish() }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) }),
]);
type AnthropicEvent = z.infer<typeof EventSchema>;
// Anthropic may add event types (its versioning policy says so); unknown ones and `ping` are skipped.
const TRANSLATED = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'error']);

type Block = { kind: 'text' | 'thinking' | 'other' } | { kind: 'tool'; tool: number; hasArgs: boolean };

/** The translation state machine: events in, OpenAI SSE text out. No I/O. */
export class StreamTranslator {
  #id = '';
  #model = '';
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #blocks = new Map<number, Block>();
  #tools = 0;
  #usage: AnthropicUsage | null = null;
  #stopReason: string | null = null;
  #out = '';
  #text = '';
  #prefix: string | null = null;
  /** A content delta has been produced: TTFT is measured up to here. */
  sawContent = false;
  /** Something beyond the role chunk may go to the client. */
  started = false;
  finished = false;
  failure: UpstreamError | null = null;

  /** `emit` false: only watch (usage, stop reason, text, failures) a stream passed through, translating nothing. */
  constructor(
    readonly wantUsage: boolean,
    readonly emit = true,
  ) {}

  get text(): string {
    return this.#text;
  }

  get usage(): Usage | null {
    return this.#usage ? toUsage(this.#usage) : null;
  }

  /** The model `message_start` named (the one that answered), or null before it. */
  get model(): string | null {
    return this.#model === '' ? null : this.#model;
  }

  get finishReason(): string | null {
    return finishReason(this.#stopReason);
  }

  /** Returns and clears the translated SSE text not yet handed out. */
  take(): string {
    const out = this.#out;
    this.#out = '';
    return out;
  }

  event(msg: EventSourceMessage): void {
    if (this.finished || this.failure) return;
    let parsed: AnthropicEvent;
    try {
      const raw: unknown = JSON.parse(msg.data);
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('not an event object');
      const type = (raw as { type?: unknown }).type;
      if (typeof type !== 'string') throw new TypeError('no event type');
      if (!TRANSLATED.has(type)) return;
      // Most of a stream is content_block_delta: checked by hand as EventSchema would, then applied (zod, not the
      // JSON parse, was the larger cost of such an event).
      if (type === 'content_block_delta' && isDeltaEvent(raw)) return this.#delta(raw.index, raw.delta);
      parsed = EventSchema.parse(raw);
    } catch {
      // Whether before the first byte (a clean, retryable failure) or after it (the stream is cut here): never
      // passed on, and the attempt counts as failed either way.
      this.failure = invalidEvent(msg.event, msg.data);
      return;
    }
    this.#apply(parsed);
  }

  #apply(e: AnthropicEvent): void {
    switch (e.type) {
      case 'message_start':
        this.#id = e.message.id;
        this.#model = e.message.model;
        this.#prefix = null;
        this.#usage = e.message.usage ?? null;
        this.#chunk({ role: 'assistant', content: '' });
        return;
      case 'content_block_start':
        return this.#startBlock(e.index, e.content_block);
      case 'content_block_delta':
        return this.#delta(e.index, e.delta);
      case 'content_block_stop': {
        const b = this.#blocks.get(e.index);
        // A tool called without arguments may get no input_json_delta at all; clients JSON.parse the arguments.
        if (b?.kind === 'tool' && !b.hasArgs) this.#toolArgs(b, '{}');
        return;
      }
      case 'message_delta':
        if (e.delta.stop_reason) this.#stopReason = e.delta.stop_reason;
        // message_delta usage is cumulative: its fields replace those of message_start.
        if (e.usage) this.#usage = { ...this.#usage, ...withoutNulls(e.usage) };
        return;
      case 'message_stop':
        return this.#finish();
      case 'error':
        this.failure = errorForEvent(e.error.type, e.error.message);
        return;
    }
  }

  #startBlock(index: number, block: { type: string; text?: string | undefined; thinking?: string | undefined; id?: string | undefined; name?: string | undefined; input?: unknown }): void {
    if (block.type === 'tool_use') {
      const b = { kind: 'tool' as const, tool: this.#tools++, hasArgs: false };
      this.#blocks.set(index, b);
      this.#content({ tool_calls: [{ index: b.tool, id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: '' } }] });
      const input = block.input;
      if (input && typeof input === 'object' && Object.keys(input).length > 0) this.#toolArgs(b, JSON.stringify(input));
      return;
    }
    const kind = block.type === 'text' || block.type === 'thinking' ? block.type : 'other';
    this.#blocks.set(index, { kind });
    if (block.text) this.#textDelta(block.text);
    if (block.thinking) this.#content({ reasoning_content: block.thinking });
  }

  #delta(index: number, d: Delta): void {
    if (d.type === 'text_delta' && d.text) this.#textDelta(d.text);
    else if (d.type === 'thinking_delta' && d.thinking) this.#content({ reasoning_content: d.thinking });
    else if (d.type === 'input_json_delta' && d.partial_json) {
      const b = this.#blocks.get(index);
      if (b?.kind === 'tool') this.#toolArgs(b, d.partial_json);
    }
    // signature_delta and citations_delta have no OpenAI counterpart.
  }

  #textDelta(text: string): void {
    this.#text += text;
    this.#content({ content: text });
  }

  #toolArgs(b: { tool: number; hasArgs: boolean }, args: string): void {
    b.hasArgs = true;
    this.#content({ tool_calls: [{ index: b.tool, function: { arguments: args } }] });
  }

  #content(delta: Record<string, unknown>): void {
    this.sawContent = true;
    this.started = true;
    this.#chunk(delta);
  }

  #finish(): void {
    this.finished = true;
    this.started = true;
    if (!this.emit) return;
    this.#chunk({}, this.finishReason ?? 'stop');
    const usage = this.usage;
    if (this.wantUsage && usage) this.#out += sse({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: openAIUsage(usage) });
    this.#out += 'data: [DONE]\n\n';
  }

  #chunk(delta: Record<string, unknown>, finish: string | null = null): void {
    if (!this.emit) return;
    // The envelope is the same for every chunk of a message: serialise it once, then only the delta.
    this.#prefix ??= `data: {"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(this.#model)},"choices":[{"index":0,"delta":`;
    this.#out += `${this.#prefix}${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]}\n\n`;
  }
}

const CR = 0x0d;

type Delta = { type: string; text?: string | undefined; thinking?: string | undefined; partial_json?: string | undefined };

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/**
 * EventSchema's content_block_delta, checked by hand: a finite index (zod's numbers are finite; JSON's `1e999` is not),
 * and a delta object whose known fields are strings.
 */
export function isDeltaEvent(raw: object): raw is { index: number; delta: Delta } {
  const { index, delta } = raw as { index?: unknown; delta?: unknown };
  if (typeof index !== 'number' || !Number.isFinite(index) || typeof delta !== 'object' || delta === null || Array.isArray(delta)) return false;
  const d = delta as Record<string, unknown>;
  return typeof d.type === 'string' && optionalString(d.text) && optionalString(d.thinking) && optionalString(d.partial_json);
}

function sse(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function withoutNulls(u: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v !== null && v !== undefined));
}

/** Where the stream reports its end. `busy` is false while the consumer holds a chunk we yielded. */
export interface StreamSink {
  settle(outcome: CallOutcome): void;
  busy: boolean;
}

export interface StreamOptions {
  contender: Contender;
  wantUsage: boolean;
  captureText: boolean;
  /** performance.now() when the attempt began. */
  startedAt: number;
  sink: StreamSink;
  /** The call's total_ms, armed on `source`: it explains a failure of the body. */
  deadline: CallDeadline;
  /**
   * Pass the upstream's events through unchanged (a Messages API client) instead of translating them: whole events
   * are released, the same way and at the same moment, and a cut ends with an Anthropic `error` event.
   */
  native?: boolean;
}

/** Reads Anthropic SSE bytes and yields OpenAI SSE bytes (or, `native`, the same events); see the file comment for the failure rules. */
export async function* translateStream(source: AsyncIterable<Uint8Array>, opts: StreamOptions): AsyncGenerator<Uint8Array> {
  const native = opts.native === true;
  const t = new StreamTranslator(opts.wantUsage, !native);
  const parser = createParser({ onEvent: (e) => t.event(e) });
  const decoder = new StringDecoder('utf8');
  const encoder = new TextEncoder();
  // Native: the upstream's bytes, cut at event ends; the whole events not yet released (none is before the first
  // real delta) are held as they came, never decoded and encoded again.
  const aligner = native ? new SseAligner(true) : null;
  let held: Buffer[] = [];
  const take = (): Uint8Array | null => {
    if (aligner === null) {
      const out = t.take();
      return out === '' ? null : encoder.encode(out);
    }
    if (t.finished) {
      const rest = aligner.flush();
      if (rest !== null) held.push(rest);
    }
    if (held.length === 0) return null;
    const out = held.length === 1 ? held[0]! : Buffer.concat(held);
    held = [];
    return out;
  };
  let released = false;
  let lastByte = -1;
  let ttftMs: number | null = null;
  let failure: UpstreamError | null = null;
  const outcome = (ok: boolean): CallOutcome => ({
    ok,
    usage: t.usage,
    finishReason: t.finishReason,
    ttftMs,
    text: opts.captureText ? t.text : null,
    error: null,
    model: t.model,
  });
  opts.sink.busy = true;
  try {
    try {
      for await (const chunk of source) {
        if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
        parser.feed(decoder.write(chunk as Buffer));
        if (aligner !== null) {
          const whole = aligner.push(chunk);
          if (whole !== null) held.push(whole);
        }
        if (ttftMs === null && t.sawContent) ttftMs = performance.now() - opts.startedAt;
        if (t.failure) break;
        if (t.finished) opts.sink.settle(outcome(true));
        const out = t.started ? take() : null;
        if (out !== null && out.length > 0) {
          released = true;
          opts.sink.busy = false;
          yield out;
          opts.sink.busy = true;
        }
      }
      // A stream whose lines end in CR alone ends in a CR that may be half of a CRLF, so the parser waits for a byte
      // that never comes: the last event (message_stop) would be lost. One LF completes exactly that line end, and
      // dispatches nothing else (an event still unterminated stays so).
      if (lastByte === CR && !t.failure && !t.finished) {
        parser.feed('\n');
        if (t.finished) {
          opts.sink.settle(outcome(true));
          const out = take();
          if (out !== null && out.length > 0) {
            released = true;
            opts.sink.busy = false;
            yield out;
          }
        }
      }
    } catch (err) {
      failure = opts.deadline.explain(err, released ? 'mid_stream' : 'first_byte');
    }
    if (t.finished) return; // bytes after message_stop, or a socket error after it, change nothing
    // Every failure before release is already a first_byte UpstreamError (error event, malformed event, network).
    failure ??= t.failure ?? new UpstreamError('upstream_error', 'upstream closed the stream before message_stop', { phase: released ? 'mid_stream' : 'first_byte', retryable: true });
    if (!released) {
      opts.sink.settle({ ...outcome(false), error: failure.info() });
      throw failure;
    }
    const message = `stream cut: ${failure.message}`;
    opts.sink.settle({ ...outcome(false), usage: null, error: { code: 'upstream_stream_cut', message, phase: 'mid_stream', upstreamStatus: 200 } });
    opts.sink.busy = false;
    // Native: the events after the last release are not sent (the upstream's own error event may be among them).
    yield encoder.encode(native ? anthropicErrorEvent('api_error', message) : t.take() + streamCutEvent(message));
  } finally {
    // Reached without a settlement only when the consumer stopped iterating early (return()): nothing failed
    // upstream, and the consumer knows why it stopped.
    opts.sink.settle(outcome(true));
  }
}
