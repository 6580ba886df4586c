/**
 * What every translating front door (Messages, Responses) does with an upstream's OpenAI-shaped answer before its
 * own rendering: a whole completion's first choice read (or the upstream's failure thrown), and a stream fed event by
 * event to the door's translator, whose text goes to the client as it comes and whose last word waits for the row.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { SaimaError } from '../errors.js';
import { mapChunks } from './mapped-chunks.js';
import type { CallFacts } from './request-record.js';
import type { ClientStream } from './routed-call.js';
import type { LastWordFinder } from './stream-writer.js';

type Json = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The completion's first choice and its message, or the upstream failure the client is owed. */
export function firstChoice(bytes: Buffer): { completion: Json; choice: Json; message: Json } {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SaimaError('upstream_error', 'The upstream answered with a body that is not JSON.');
  }
  const choice = isObject(raw) && Array.isArray(raw.choices) && isObject(raw.choices[0]) ? raw.choices[0] : null;
  const message = choice && isObject(choice.message) ? choice.message : null;
  if (!isObject(raw) || !choice || !message) throw new SaimaError('upstream_error', 'The upstream answered with no choice to carry.');
  return { completion: raw, choice, message };
}

/** A door's stream translator: fed each chunk event's data, it holds the client's text until taken. */
export interface EventTranslator {
  data(data: string): void;
  /** The client's text made since the last take. */
  take(): string;
  /** The last word from the final facts (usage settled, row committed); null when the stream did not end cleanly. */
  ending(facts: CallFacts): string | null;
  readonly finished: boolean;
  readonly failure: string | null;
}

/** The events' data of a chunk, as the adapter already split them, or undefined (`UpstreamReply.events`). */
export type ChunkEvents = (chunk: Uint8Array) => readonly string[] | undefined;

/**
 * The client's stream of a translated call: the upstream's chunks through `t`, `lastWord` held back for the row. A
 * chunk whose events the adapter already split (`events`) is not decoded and split again; from the first one it cannot
 * vouch for, every chunk is parsed here, from the clean event boundary where the adapter's events stopped.
 */
export function translatedStream(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, t: EventTranslator, lastWord: LastWordFinder, events?: ChunkEvents): ClientStream {
  const parser = createParser({ onEvent: (e) => t.data(e.data) });
  const text = new Utf8Text();
  let paired = events !== undefined;
  let started = false;
  const translate = (chunk: Uint8Array): Buffer => {
    const known = paired && chunk.length > 0 ? events!(chunk) : undefined;
    if (known !== undefined) {
      if (!started) {
        // As if these bytes had gone through the parser and the decoder: past the stream's start.
        started = true;
        parser.feed('');
        text.started();
      }
      for (let i = 0; i < known.length; i++) t.data(known[i]!);
    } else {
      if (chunk.length > 0) paired = false;
      parser.feed(text.write(chunk));
    }
    return Buffer.from(t.take());
  };
  return {
    first: translate(first ?? new Uint8Array(0)),
    rest: mapChunks(rest, translate),
    // The translation's own text holds a last word only once it failed (its endings are made by `ending`): no scan before.
    lastWord: (buf) => (t.failure === null ? -1 : lastWord(buf)),
    ending: (facts) => {
      const text = t.ending(facts);
      return text === null ? null : Buffer.from(text);
    },
    complete: () => t.finished,
    failure: () => t.failure,
  };
}

/**
 * A byte stream's UTF-8 text exactly as a TextDecoder gives it (a leading byte order mark dropped), by the StringDecoder,
 * which decodes the same way and runs several times faster than TextDecoder's streaming mode.
 */
class Utf8Text {
  readonly #decoder = new StringDecoder('utf8');
  #start = true;

  write(chunk: Uint8Array): string {
    const text = this.#decoder.write(chunk as Buffer);
    if (!this.#start || text === '') return text;
    this.#start = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  /** The stream's first bytes were decoded elsewhere. */
  started(): void {
    this.#start = false;
  }
}
