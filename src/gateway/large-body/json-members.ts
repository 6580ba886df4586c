/**
 * Byte ranges of the top-level members of a JSON object, read from bytes that JSON.parse has already accepted (so
 * the scanner need not validate anything: it only finds where each key and value starts and ends). A repeated key
 * keeps its last occurrence, as JSON.parse does. UTF-8 continuation bytes are all ≥ 0x80, so the ASCII delimiters
 * it looks for never occur inside a multi-byte character.
 */
export interface MemberRange {
  /** Start of the member's key (its opening quote). */
  start: number;
  valueStart: number;
  /** One past the value's last byte. */
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function topLevelMembers(b: Uint8Array): Map<string, MemberRange> {
  const out = new Map<string, MemberRange>();
  let i = skipWs(b, 0) + 1; // past '{'
  for (;;) {
    i = skipWs(b, i);
    if (b[i] === 0x7d) return out; // '}'
    const start = i;
    i = skipString(b, i);
    const key = JSON.parse(Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('utf8')) as string;
    i = skipWs(b, skipWs(b, i) + 1); // past ':'
    const valueStart = i;
    i = skipValue(b, i);
    out.set(key, { start, valueStart, end: i });
    i = skipWs(b, i);
    if (b[i] === 0x2c) i++; // ','
  }
}

function skipWs(b: Uint8Array, i: number): number {
  while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
  return i;
}

function skipString(b: Uint8Array, i: number): number {
  i++;
  for (;;) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    i += c === BACKSLASH ? 2 : 1;
  }
}

function skipValue(b: Uint8Array, i: number): number {
  const first = b[i];
  if (first === QUOTE) return skipString(b, i);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (;;) {
      const c = b[i];
      if (c === QUOTE) {
        i = skipString(b, i);
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }
  // A number, true, false or null: up to the next delimiter.
  while (i < b.length) {
    const c = b[i];
    if (c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
    i++;
  }
  return i;
}
