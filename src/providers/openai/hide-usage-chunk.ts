/**
 * Removes the usage-only chunk (`"choices":[]` plus a usage object) that we asked the upstream for with
 * `stream_options.include_usage` on behalf of a client that did not ask for it. Everything else passes
 * byte for byte. Input must be whole events (see SseAligner); only buffers that contain an empty `choices`
 * array are split, which happens once per stream.
 */

const NEEDLES = [Buffer.from('"choices":[]'), Buffer.from('"choices": []')];
const USAGE = Buffer.from('"usage"');
const DATA = Buffer.from('data:');
const LF = 10;
const CR = 13;

function hasEmptyChoices(buf: Buffer): boolean {
  return buf.indexOf(NEEDLES[0]!) !== -1 || buf.indexOf(NEEDLES[1]!) !== -1;
}

/** Returns `events` without its usage-only events; the same buffer when there is nothing to drop. */
export function hideUsageChunk(events: Buffer): Buffer {
  if (!hasEmptyChoices(events)) return events;
  const kept: Buffer[] = [];
  let start = 0;
  let dropped = false;
  while (start < events.length) {
    const end = eventEnd(events, start);
    const event = events.subarray(start, end);
    if (isUsageOnly(event)) dropped = true;
    else kept.push(event);
    start = end;
  }
  return dropped ? Buffer.concat(kept) : events;
}

function isUsageOnly(event: Buffer): boolean {
  // A comment block could quote the same text; only a data event is a chunk.
  return event.indexOf(DATA) === 0 && hasEmptyChoices(event) && event.indexOf(USAGE) !== -1;
}

/** End of the event starting at `from`: just past its blank line (LF LF, CR LF CR LF), or the buffer's end. */
function eventEnd(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    if (buf[i] !== LF) continue;
    if (buf[i + 1] === LF) return i + 2;
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return buf.length;
}
