/**
 * A large chat body as the main thread holds it: the gateway's body thread (gateway/large-body) parsed, validated and estimated
 * it, and sent back only what the gateway reads (model, stream, caps, user, the other known parameters) as values.
 * The bulky fields (messages, tools, schemas) and any unknown parameters stay JSON bytes, spliced into the upstream
 * body unchanged, so no object graph of megabytes is ever built or walked on the event loop. Code that does need
 * the messages (the mock simulator, the Anthropic translation, a developer-role rewrite) calls `materialized()`,
 * which parses them there: those paths pay the parse on the main thread, and docs/access.md says so.
 */

/** One top-level field kept as the JSON text of its value. */
export class RawJson {
  constructor(
    readonly bytes: Uint8Array,
    /** For `messages`: whether any message has the `developer` role (a quirk may have to rewrite it). */
    readonly hasDeveloperRole = false,
  ) {}

  parse(): unknown {
    return JSON.parse(Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('utf8'));
  }
}

/**
 * Unknown parameters of a large body, as the JSON text of each member (`"a":1`). Kept
 * under a symbol so that object spreads carry it along and JSON.stringify of the body never sees it half-handled.
 */
export const RAW_MEMBERS: unique symbol = Symbol('saima.rawMembers');

export interface RawMembers {
  /** Each member's JSON text, `"key":value`. */
  readonly parts: readonly Uint8Array[];
}

type Body = Record<string, unknown> & { [RAW_MEMBERS]?: RawMembers };

export function hasRawParts(body: Record<string, unknown>): boolean {
  if ((body as Body)[RAW_MEMBERS] !== undefined) return true;
  for (const key in body) if (body[key] instanceof RawJson) return true;
  return false;
}

/** The body with every raw part parsed: a plain chat body (costs a parse of the bulky fields on this thread). */
export function materialized<T extends Record<string, unknown>>(body: T): T {
  if (!hasRawParts(body)) return body;
  const members = (body as Body)[RAW_MEMBERS];
  const out: Record<string, unknown> = members ? (JSON.parse(`{${members.parts.map(utf8).join(',')}}`) as Record<string, unknown>) : {};
  for (const key in body) {
    const v = body[key];
    out[key] = v instanceof RawJson ? v.parse() : v;
  }
  return out as T;
}

/** A body sent as consecutive byte slices (the raw ones are views of the client's bytes), with its total length. */
export interface BodyParts {
  parts: readonly Uint8Array[];
  length: number;
}

/**
 * The body as JSON for the upstream. A plain body is one JSON.stringify; a body with raw parts is its small fields'
 * JSON and the raw bytes as slices, written to the socket one after another: megabytes are neither parsed,
 * serialised nor copied into one buffer again (each such copy is garbage the event loop pays a collection for).
 */
export function serializeBody(body: Record<string, unknown>): string | BodyParts {
  if (!hasRawParts(body)) return JSON.stringify(body);
  const parts: Uint8Array[] = [];
  let sep = '{';
  for (const key in body) {
    const v = body[key];
    if (v === undefined || typeof v === 'function') continue;
    if (v instanceof RawJson) {
      parts.push(Buffer.from(`${sep}${JSON.stringify(key)}:`), v.bytes);
    } else {
      parts.push(Buffer.from(`${sep}${JSON.stringify(key)}:${JSON.stringify(v)}`));
    }
    sep = ',';
  }
  const members = (body as Body)[RAW_MEMBERS];
  for (const member of members?.parts ?? []) {
    parts.push(Buffer.from(sep), member);
    sep = ',';
  }
  if (sep === '{') parts.push(Buffer.from('{'));
  parts.push(Buffer.from('}'));
  let length = 0;
  for (const p of parts) length += p.byteLength;
  return { parts, length };
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
