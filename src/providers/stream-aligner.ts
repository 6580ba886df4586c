/**
 * Re-cuts a passed-through SSE byte stream at event boundaries without changing a byte: each chunk is
 * released up to its last blank line and only an incomplete trailing event is held back until the next
 * chunk. Two things need that: dropping one whole event (the hidden usage chunk), and ending a cut stream
 * with an error event that a client parses on its own instead of glued to half an event.
 */

const LFLF = Buffer.from('\n\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRCR = Buffer.from('\r\r');
/** No SSE event we forward is this large; past it we stop waiting for a boundary and forward as is. */
const MAX_HELD = 1 << 20;

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Index just past the last event terminator in `buf`, or 0 when there is none. */
function lastBoundary(buf: Buffer, crLineEnds: boolean): number {
  const n = buf.length;
  // Fast path: upstreams almost always flush whole events, so the chunk ends with the terminator.
  if (n >= 2 && buf[n - 1] === 10 && buf[n - 2] === 10) return n;
  const lf = buf.lastIndexOf(LFLF);
  const crlf = buf.lastIndexOf(CRLFCRLF);
  const cr = crLineEnds ? buf.lastIndexOf(CRCR) : -1;
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4, cr === -1 ? 0 : cr + 2);
}

export class SseAligner {
  #held: Buffer | null = null;
  #whole = false;

  /**
   * `crLineEnds`: a CR alone also ends a line in SSE, so a blank line may be `\r\r`; cut there too. Off for the chat
   * stream, whose events are paired with a side parser's (stream-body.ts): that parser holds a trailing CR back (it
   * may be half of a CRLF), so a chunk cut after `\r\r` would not yet have its last event.
   */
  constructor(readonly crLineEnds = false) {}

  /** The last push returned all it had, ending at an event boundary: nothing held back, no event cut. */
  get whole(): boolean {
    return this.#whole;
  }

  /** Returns the complete events available so far (possibly spanning earlier chunks), or null. */
  push(chunk: Uint8Array): Buffer | null {
    let buf = asBuffer(chunk);
    if (this.#held !== null) {
      buf = Buffer.concat([this.#held, buf]);
      this.#held = null;
    }
    const end = lastBoundary(buf, this.crLineEnds);
    this.#whole = end === buf.length;
    if (this.#whole) return buf;
    if (buf.length - end > MAX_HELD) return buf;
    this.#held = buf.subarray(end);
    return end === 0 ? null : buf.subarray(0, end);
  }

  /** The held incomplete event, if any, and forgets it. */
  flush(): Buffer | null {
    const held = this.#held;
    this.#held = null;
    return held;
  }
}
