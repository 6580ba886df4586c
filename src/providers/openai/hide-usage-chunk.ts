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

/**
 * Returns `events` without its usage-only events, at most `max` of them (how many the side parser saw that are not
 * hidden yet), and how many it removed; the same buffer when there is nothing to drop. The search runs backwards from
 * the end, where the usage chunk sits (just before `[DONE]`), and stops once `max` are gone: a buffer holding a whole
 * answer is not scanned from its start, twice, for a chunk found in its last few hundred bytes.
 */
export function hideUsageEvents(events: Buffer, max: number): { out: Buffer; removed: number } {
  let out = events;
  let removed = 0;
  for (const needle of NEEDLES) {
    let from = out.length;
    while (removed < max && from >= 0) {
      const at = out.lastIndexOf(needle, from);
      if (at === -1) break;
      const start = eventStart(out, at);
      const end = eventEnd(out, at);
      // A comment block could quote the same text; only a data event with a usage object is the chunk.
      const event = out.subarray(start, end);
      if (event.indexOf(DATA) === 0 && event.indexOf(USAGE) !== -1) {
        out = Buffer.concat([out.subarray(0, start), out.subarray(end)]);
        removed++;
      }
      from = start - 1;
    }
  }
  return { out, removed };
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
