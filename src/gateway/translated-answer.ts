/**
 * What every translating front door (Messages, Responses) does with an upstream's OpenAI-shaped answer before its
 * own rendering: a whole completion's first choice read (or the upstream's failure thrown), and a stream fed event by
 * event to the door's translator, whose text goes to the client as it comes and whose last word waits for the row.
 */
import { createParser } from 'eventsource-parser';
import { SaimaError } from '../errors.js';
import type { CallFacts } from './request-record.js';
import type { ClientStream } from './routed-call.js';
import type { LastWordFinder } from './stream-writer.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** The client's stream of a translated call: the upstream's chunks through `t`, `lastWord` held back for the row. */
export function translatedStream(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, t: EventTranslator, lastWord: LastWordFinder): ClientStream {
  const parser = createParser({ onEvent: (e) => t.data(e.data) });
  const decoder = new TextDecoder();
  const translate = (chunk: Uint8Array): Buffer => {
    parser.feed(decoder.decode(chunk, { stream: true }));
    return Buffer.from(t.take());
  };
  async function* events(): AsyncGenerator<Uint8Array> {
    for (let r = await rest.next(); !r.done; r = await rest.next()) {
      const out = translate(r.value);
      if (out.length > 0) yield out;
    }
  }
  return {
    first: translate(first ?? new Uint8Array(0)),
    rest: events(),
    lastWord,
    ending: (facts) => {
      const text = t.ending(facts);
      return text === null ? null : Buffer.from(text);
    },
    complete: () => t.finished,
    failure: () => t.failure,
  };
}
