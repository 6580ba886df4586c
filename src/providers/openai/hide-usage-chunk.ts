/**
 * Removes the usage-only chunk (`"choices":[]` plus a usage object) that we asked the upstream for with
 * `stream_options.include_usage` on behalf of a client that did not ask for it. Everything else passes
 * byte for byte. Input must be whole events (see SseAligner). It runs only on the buffer that the side
 * parser saw the usage chunk in, once per stream, and uses native searches rather than a byte loop.
 */

const NEEDLES = [Buffer.from('"choices":[]'), Buffer.from('"choices": []')];
const USAGE = Buffer.from('"usage"');
const DATA = Buffer.from('data:');
const LFLF = Buffer.from('\n\n');
const LFCRLF = Buffer.from('\n\r\n');

/** Returns `events` without its usage-only events; the same buffer when there is nothing to drop. */
export function hideUsageChunk(events: Buffer): Buffer {
  let out = events;
  for (const needle of NEEDLES) {
    let from = 0;
    for (let at = out.indexOf(needle, from); at !== -1; at = out.indexOf(needle, from)) {
      const start = eventStart(out, at);
      const end = eventEnd(out, at);
      // A comment block could quote the same text; only a data event with a usage object is the chunk.
      const event = out.subarray(start, end);
      if (event.indexOf(DATA) === 0 && event.indexOf(USAGE) !== -1) {
        out = Buffer.concat([out.subarray(0, start), out.subarray(end)]);
        from = start;
      } else {
        from = end;
      }
    }
  }
  return out;
}

/** Start of the event holding byte `at`: just past the previous blank line, or 0. */
function eventStart(buf: Buffer, at: number): number {
  const lf = buf.lastIndexOf(LFLF, at);
  const crlf = buf.lastIndexOf(LFCRLF, at);
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 3);
}

/** End of the event holding byte `at`: just past its blank line (LF LF or CR LF CR LF), or the buffer's end. */
function eventEnd(buf: Buffer, at: number): number {
  const lf = buf.indexOf(LFLF, at);
  const crlf = buf.indexOf(LFCRLF, at);
  return Math.min(lf === -1 ? buf.length : lf + 2, crlf === -1 ? buf.length : crlf + 3);
}
