/**
 * A side parser for OpenAI chat-completion SSE: it watches bytes on their way to the client and learns the
 * usage, the finish reason, whether `data: [DONE]` arrived, and (when asked) the answer text. It never
 * changes or re-serialises the bytes.
 *
 * Cost control: an event is JSON-parsed only when its data holds a `"usage":{`, a `"finish_reason":"` (spaces
 * allowed around the colon), or a
 * top-level `error`, or when the text is captured. Other events are kept as raw strings only until usage
 * arrives, so that a stream that never reports usage can still yield its text for a tokenizer estimate.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { readUsage } from './openai/usage.js';
import type { Usage } from './spec.js';

const QUOTE = 34;
const BRACE = 123;
const CLOSE_BRACE = 125;
const SPACE = 32;
const COLON = 58;

/**
 * True when `key` (quoted) occurs as a JSON key whose value starts with the character `first`. `tail` is the
 * key's last few characters and closing quote: V8 searches patterns under 7 characters linearly, several
 * times faster on these short strings than the table-driven search it uses for longer ones.
 */
function keyFollowedBy(data: string, tail: string, key: string, first: number): boolean {
  // Inside JSON strings every quote is escaped, so a quoted key can only match a real key.
  for (let i = data.indexOf(tail); i !== -1; i = data.indexOf(tail, i + tail.length)) {
    const end = i + tail.length;
    if (!data.startsWith(key, end - key.length)) continue;
    let j = end;
    while (data.charCodeAt(j) === SPACE) j++;
    if (data.charCodeAt(j) !== COLON) continue;
    j++;
    while (data.charCodeAt(j) === SPACE) j++;
    if (data.charCodeAt(j) === first) return true;
  }
  return false;
}

interface ChunkShape {
  model?: unknown;
  error?: unknown;
  usage?: unknown;
  choices?: Array<{ finish_reason?: unknown; usage?: unknown; delta?: { content?: unknown } | null } | null> | null;
}

export class ChatStreamWatcher {
  readonly #decoder = new StringDecoder('utf8');
  readonly #parser: EventSourceParser;
  readonly #captureText: boolean;
  /** `delta.content` pieces, when capturing. */
  readonly #parts: string[] = [];
  /** Raw event data kept for a later estimate while usage has not arrived (not capturing). */
  #unparsed: string[] | null;
  usage: Usage | null = null;
  finishReason: string | null = null;
  /** The chunk's `model`, read from the chunks inspected anyway (finish reason, usage): no parse of its own. */
  model: string | null = null;
  /** `data: [DONE]` arrived: the upstream finished the stream properly. */
  done = false;
  /** Usage-only chunks seen (`"choices":[]` with a usage object), the ones hidden from clients that did not ask. */
  usageOnlyEvents = 0;
  /** Message of an `{"error":…}` event sent by the upstream inside the stream. */
  upstreamError: string | null = null;
  /**
   * The first event that is not a chat chunk: the first event is JSON-parsed in full (once per stream); later ones
   * must at least look like a JSON object (`{…}`), which costs two character reads, not a parse.
   */
  invalidEvent: string | null = null;
  #events = 0;
  /** Data of the events completed since the last take, when kept for a translating front door; else null. */
  #kept: string[] | null;

  constructor(captureText: boolean, keepEvents = false) {
    this.#captureText = captureText;
    this.#unparsed = captureText ? null : [];
    this.#kept = keepEvents ? [] : null;
    this.#parser = createParser({ onEvent: (ev) => this.#onEvent(ev) });
  }

  feed(chunk: Uint8Array): void {
    this.#parser.feed(this.#decoder.write(chunk as Buffer));
  }

  /** The byte stream ended: an unterminated last event (e.g. `data: [DONE]` without a blank line) still counts. */
  end(): void {
    this.#parser.feed(`${this.#decoder.end()}\n\n`);
  }

  /** The data of every event completed since the last take (only when keeping events), in order. */
  takeEvents(): string[] {
    const kept = this.#kept ?? [];
    this.#kept = [];
    return kept;
  }

  /** Events are no longer kept (the bytes passed on stopped matching them). */
  dropEvents(): void {
    this.#kept = null;
  }

  /** The answer text when captured, or when usage is missing (for the estimate); else null. */
  text(): string | null {
    if (this.#captureText) return this.#parts.join('');
    if (this.usage !== null || this.#unparsed === null) return null;
    let out = '';
    for (const data of this.#unparsed) {
      const chunk = parse(data);
      const content = chunk?.choices?.[0]?.delta?.content;
      if (typeof content === 'string') out += content;
    }
    return out;
  }

  #onEvent(ev: EventSourceMessage): void {
    const data = ev.data;
    if (this.#kept !== null) this.#kept.push(data);
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    if (this.invalidEvent === null && (this.#events++ === 0 ? parse(data) === null : data.charCodeAt(0) !== BRACE || data.charCodeAt(data.length - 1) !== CLOSE_BRACE)) {
      this.invalidEvent = data.slice(0, 80);
    }
    if (this.#unparsed !== null) this.#unparsed.push(data);
    if (this.#captureText || keyFollowedBy(data, 'usage"', '"usage"', BRACE) || keyFollowedBy(data, 'eason"', '"finish_reason"', QUOTE) || data.startsWith('{"error"')) {
      this.#inspect(data);
    }
  }

  #inspect(data: string): void {
    const chunk = parse(data);
    if (!chunk) return;
    if (chunk.error !== undefined && chunk.error !== null) {
      const e = chunk.error as { message?: unknown };
      this.upstreamError = typeof e.message === 'string' ? e.message : typeof chunk.error === 'string' ? chunk.error : 'error event';
      return;
    }
    if (typeof chunk.model === 'string') this.model = chunk.model;
    const choice = chunk.choices?.[0];
    if (choice) {
      if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
      if (this.#captureText && typeof choice.delta?.content === 'string') this.#parts.push(choice.delta.content);
    }
    // Moonshot puts the stream's usage inside the finishing choice instead of at the top level.
    const raw = chunk.usage ?? choice?.usage;
    if (raw !== null && typeof raw === 'object') {
      const usage = readUsage(raw);
      if (usage) {
        this.usage = usage;
        this.#unparsed = null;
        if (Array.isArray(chunk.choices) && chunk.choices.length === 0) this.usageOnlyEvents++;
      }
    }
  }
}

function parse(data: string): ChunkShape | null {
  try {
    const v: unknown = JSON.parse(data);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ChunkShape) : null;
  } catch {
    return null;
  }
}
