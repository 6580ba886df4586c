/**
 * Writes an upstream's SSE bytes to the client as they arrive, respecting backpressure. The stream's last word —
 * the final `data: [DONE]`, or the error event that ends a cut stream — is held back until the request's log row
 * has committed, so whatever a client saw end is already durable.
 */
import type { ServerResponse } from 'node:http';

const DONE = Buffer.from('data: [DONE]');
const ERROR_EVENT = Buffer.from('data: {"error"');

/** Where a stream's last word begins in a chunk, or -1: the front door's protocol decides what that word is. */
export type LastWordFinder = (buf: Buffer) => number;

/** OpenAI chat completions: the `data: [DONE]`, or the error event of a cut stream. */
export const openAILastWord: LastWordFinder = (buf) => {
  const done = buf.lastIndexOf(DONE);
  return done >= 0 ? done : buf.indexOf(ERROR_EVENT);
};

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function write(raw: ServerResponse, chunk: Uint8Array): Promise<void> | null {
  if (raw.write(chunk)) return null;
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/**
 * Pumps `first` and the rest of the iterator to `raw`. Returns the held-back tail (the `[DONE]` or error event and
 * what follows it), or null when the stream ended without either.
 */
export async function pumpStream(raw: ServerResponse, first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, lastWord: LastWordFinder = openAILastWord): Promise<Buffer | null> {
  let tail: Buffer | null = null;
  let next: Uint8Array | null = first;
  while (next !== null) {
    if (raw.destroyed) break;
    const buf = asBuffer(next);
    if (tail) {
      tail = Buffer.concat([tail, buf]);
    } else {
      const at = lastWord(buf);
      const head = at >= 0 ? buf.subarray(0, at) : buf;
      if (at >= 0) tail = buf.subarray(at);
      if (head.length > 0) {
        const wait = write(raw, head);
        if (wait) await wait;
      }
    }
    const r = await rest.next();
    next = r.done ? null : r.value;
  }
  return tail;
}
