/**
 * Where a stream's last word begins: the line-hopping search agrees with the plain definition (the first occurrence
 * of any marker at position 0 or right after an LF or a CR) on any bytes, whatever the line ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lineStartingWith } from '../../src/gateway/sse-line-start.js';

const MARKERS = ['event: response.completed', 'data: {"type":"response.completed"', 'event: error', 'event: message_stop'].map((m) => Buffer.from(m));

/** The definition, by brute force. */
function reference(buf: Buffer, markers: readonly Buffer[]): number {
  for (let at = 0; at < buf.length; at++) {
    if (at > 0 && buf[at - 1] !== 0x0a && buf[at - 1] !== 0x0d) continue;
    if (markers.some((m) => buf.subarray(at, at + m.length).equals(m))) return at;
  }
  return -1;
}

// Lines made of marker pieces, near-misses and noise, joined by every kind of line end.
const piece = fc.oneof(
  fc.constantFrom(...MARKERS.map((m) => m.toString()), 'event: response.output_text.delta', 'data: {"type":"response.created"}', 'event: respons', 'data: x', ': comment', ''),
  fc.string({ maxLength: 12 }),
);
const eol = fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\n\r\n', '\r\r', '');
const stream = fc.array(fc.tuple(piece, eol), { maxLength: 12 }).map((parts) => Buffer.from(parts.map(([p, e]) => p + e).join('')));

test('lineStartingWith finds the first marker at a line start, as the plain definition does', () => {
  fc.assert(
    fc.property(stream, fc.integer({ min: 0, max: 3 }), (buf, cut) => {
      // Also on a view that does not start at the buffer's first byte.
      const view = buf.subarray(Math.min(cut, buf.length));
      assert.equal(lineStartingWith(buf, MARKERS), reference(buf, MARKERS));
      assert.equal(lineStartingWith(view, MARKERS), reference(view, MARKERS));
    }),
    { numRuns: 3000 },
  );
});

test('a marker inside a line is not a line start; one after a CR alone is', () => {
  assert.equal(lineStartingWith(Buffer.from('data: {"text":"event: error"}\n\n'), MARKERS), -1);
  assert.equal(lineStartingWith(Buffer.from('data: {}\r\revent: error\r'), MARKERS), 10);
  assert.equal(lineStartingWith(Buffer.from('event: message_sto'), MARKERS), -1);
});
