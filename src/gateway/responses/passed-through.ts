/**
 * A Responses request passed through to a contender's own Responses API (`responses: true`): the body it is sent (the
 * client's, with the contender's model and the output cap the call was admitted with), and the client's stream of the
 * upstream's events, unchanged, with its last event (`response.completed`, `.incomplete` or `.failed`) held back
 * until the request's row is committed and the response's id recorded, so a client that sees the end can continue.
 */
import type { Contender } from '../../config/types.js';
import { mapChunks } from '../mapped-chunks.js';
import type { ClientStream } from '../routed-call.js';
import { lineStartingWith } from '../sse-line-start.js';
import type { LastWordFinder } from '../stream-writer.js';
import type { Json, ResponsesBody } from './to-chat.js';

/**
 * The upstream body: the client's own, model set, and `max_output_tokens` exactly the cap the call was reserved at
 * (the one the chat-shaped body carries), or none when nothing was reserved and the client asked none. The Responses
 * API counts reasoning inside `max_output_tokens`, so what the upstream may bill as output is within the reservation.
 */
export function passedBody(client: ResponsesBody, chat: Record<string, unknown>, contender: Contender): Json {
  const out: Json = { ...client, model: contender.model };
  const cap = chat.max_tokens ?? chat.max_completion_tokens;
  if (typeof cap === 'number') out.max_output_tokens = cap;
  else delete out.max_output_tokens;
  return out;
}

const ENDINGS = ['response.completed', 'response.incomplete', 'response.failed'].flatMap((t) => [`event: ${t}`, `data: {"type":"${t}"`]).map((m) => Buffer.from(m));
const ERRORS = ['event: error', 'data: {"type":"error"'].map((m) => Buffer.from(m));
const SEQUENCE = Buffer.from('"sequence_number":');

/** A passed-through stream's last word when it ends in an error: its `error` event (the upstream's, or a cut's). */
const errorLastWord: LastWordFinder = (buf) => lineStartingWith(buf, ERRORS);

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The last `sequence_number` in `buf`, or null. */
function lastSequence(buf: Buffer): number | null {
  const seq = buf.lastIndexOf(SEQUENCE);
  if (seq < 0) return null;
  const n = Number.parseInt(buf.subarray(seq + SEQUENCE.length, seq + SEQUENCE.length + 16).toString('latin1').trimStart(), 10);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Bytes of passed chunks kept at most before their sequence numbers are read: nearly every stream is read never (only
 * a cut or failed one asks), and a long one holds no more than this of the stream it has already sent.
 */
const KEEP_UNREAD = 64 * 1024;

/** The client's side of a passed-through stream; the adapter hands it whole events. */
export class PassedStream {
  #sequence = -1;
  /** Chunks passed since the sequence was last read, oldest first. */
  #unread: Buffer[] = [];
  #unreadBytes = 0;
  readonly #held: Buffer[] = [];

  /**
   * The last `sequence_number` sent: an event of the gateway's own is numbered after it. Read only when asked (a
   * stream cut or failed), or when KEEP_UNREAD is reached: the newest chunk that has one decides.
   */
  get sequence(): number {
    this.#readSequence();
    return this.#sequence;
  }

  #readSequence(): void {
    for (let i = this.#unread.length - 1; i >= 0; i--) {
      const n = lastSequence(this.#unread[i]!);
      if (n !== null) {
        this.#sequence = n;
        break;
      }
    }
    this.#unread = [];
    this.#unreadBytes = 0;
  }

  #pass(chunk: Uint8Array): Buffer {
    const buf = asBuffer(chunk);
    this.#unread.push(buf);
    this.#unreadBytes += buf.length;
    if (this.#unreadBytes > KEEP_UNREAD) this.#readSequence();
    if (this.#held.length > 0) {
      this.#held.push(buf);
      return buf.subarray(0, 0);
    }
    const at = lineStartingWith(buf, ENDINGS);
    if (at < 0) return buf;
    this.#held.push(buf.subarray(at));
    return buf.subarray(0, at);
  }

  client(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>): ClientStream {
    const pass = (c: Uint8Array) => this.#pass(c);
    return {
      first: first === null ? null : pass(first),
      rest: mapChunks(rest, pass),
      lastWord: errorLastWord,
      ending: () => (this.#held.length > 0 ? Buffer.concat(this.#held) : null),
      complete: () => this.#held.length > 0,
    };
  }
}
