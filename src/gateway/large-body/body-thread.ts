/**
 * Worker-thread entry of `body-threads.ts`: turns the bytes of a large chat body into what the main thread needs
 * (see providers/raw-json.ts). Everything proportional to the body's size happens here: the UTF-8 check, the parse,
 * validation, the prompt estimate, the captured prompt text, and finding where each bulky field's JSON lies in the
 * bytes. The bytes go back to the main thread as they came (transferred, not copied), with those ranges.
 */
import { isUtf8 } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import { messageText } from '../../metering/tokenizer.js';
import { estimatePrompt, REQUEST_FIELDS } from '../../metering/prompt-estimate.js';
import { SaimaError } from '../../errors.js';
import { validateChatBody } from '../validate-chat.js';
import type { BodyJob, BodyJobResult, RawField } from './body-threads.js';
import { topLevelMembers } from './json-members.js';

/** A known parameter whose JSON is at most this long travels as a value; longer ones stay bytes. */
const INLINE_BYTES = 4096;
const KNOWN = new Set(Object.keys(REQUEST_FIELDS));
const MAX_MEMBER_RANGES = 16;
const encoder = new TextEncoder();
const POISON = [Buffer.from('"__proto__"'), Buffer.from('"constructor"')];

const port = parentPort;
if (!port) throw new Error('body-thread runs as a worker thread');

port.on('message', (job: BodyJob) => {
  void parse(job).then((out) => port.postMessage(out, [job.bytes.buffer as ArrayBuffer, ...(out.ok && out.kind === 'chat' && out.membersText ? [out.membersText.buffer as ArrayBuffer] : [])]));
});

function parseJson(bytes: Uint8Array): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(buf)) throw new SaimaError('invalid_json', 'We could not parse the JSON body of your request. (The body is not valid UTF-8.)');
  try {
    const text = buf.toString('utf8');
    // As Fastify's parser (secure-json-parse): the reviver that refuses prototype keys runs only when the text
    // names one, since a reviver makes the parse several times slower.
    return POISON.some((p) => buf.includes(p)) ? JSON.parse(text, refusePoisoning) : JSON.parse(text);
  } catch (err) {
    if (err instanceof SaimaError) throw err;
    throw new SaimaError('invalid_json', `We could not parse the JSON body of your request. (${(err as Error).message.slice(0, 200)})`);
  }
}

async function parse(job: BodyJob): Promise<BodyJobResult> {
  const { bytes } = job;
  try {
    const parsed = parseJson(bytes);
    // Another route's large body (10,000 arena battles through zod is tens of ms): checked here by the module the
    // route named, sent back as values (a check may be async: the embeddings check loads the tokenizer). Fields the
    // module names in RAW_FIELDS (an embeddings `input` of megabytes) go back as byte ranges, left out of the value.
    if (job.kind === 'checked') {
      const mod = await checker(job.checker!);
      const value = await mod.checkBody(parsed);
      const raw: RawField[] = [];
      if (mod.RAW_FIELDS) for (const [key, range] of topLevelMembers(bytes)) if (mod.RAW_FIELDS.includes(key)) raw.push({ key, start: range.valueStart, end: range.end, hasDeveloperRole: false });
      return { id: job.id, ok: true, kind: 'checked', bytes, value, raw };
    }
    const body = validateChatBody(parsed);
    const estimate = await estimatePrompt(body);
    const fields: Record<string, unknown> = {};
    const raw: RawField[] = [];
    let members: Array<[number, number]> = [];
    const unknown: string[] = [];
    for (const [key, range] of topLevelMembers(bytes)) {
      const v = body[key];
      if (!KNOWN.has(key)) {
        unknown.push(key);
        // Unknown members next to each other in the text travel as one range.
        const last = members.at(-1);
        if (last && onlyComma(bytes, last[1], range.start)) last[1] = range.end;
        else members.push([range.start, range.end]);
      }
      else if (v === null || typeof v !== 'object' || range.end - range.valueStart <= INLINE_BYTES) fields[key] = v;
      else raw.push({ key, start: range.valueStart, end: range.end, hasDeveloperRole: key === 'messages' && body.messages.some((m) => m.role === 'developer') });
    }
    // Unknown members scattered between known ones (or repeated keys) would be many ranges for the main thread to
    // rebuild; past a few, they are written out here as one text instead.
    let membersText: Uint8Array | null = null;
    if (members.length > MAX_MEMBER_RANGES) {
      membersText = encoder.encode(unknown.map((k) => `${JSON.stringify(k)}:${JSON.stringify(body[k])}`).join(','));
      members = [];
    }
    const promptText = job.promptText ? body.messages.map((m) => `${String(m.role)}: ${messageText(m.content)}`).join('\n') : null;
    return { id: job.id, ok: true, kind: 'chat', bytes, fields, raw, members, membersText, estimate, promptText };
  } catch (err) {
    const e = err instanceof SaimaError ? err : new SaimaError('invalid_request', err instanceof Error ? err.message : String(err));
    return { id: job.id, ok: false, error: { code: e.code, message: e.message, param: e.param ?? null } };
  }
}

/** A route's body-check module: its check, and the top-level fields it wants kept as bytes. */
interface BodyCheck {
  checkBody(parsed: unknown): unknown;
  RAW_FIELDS?: readonly string[];
}

const checkers = new Map<string, Promise<BodyCheck>>();

/** The body-check module at `url`, imported once per thread. */
function checker(url: string): Promise<BodyCheck> {
  let m = checkers.get(url);
  if (!m) checkers.set(url, (m = import(url) as Promise<BodyCheck>));
  return m;
}

/** Fastify's default parser refuses `__proto__` and `constructor.prototype` keys; so does this one. */
function refusePoisoning(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'prototype'))) {
    throw new SaimaError('invalid_json', 'We could not parse the JSON body of your request. (Object contains forbidden prototype property.)');
  }
  return value;
}

/** Whether only whitespace and one comma lie between two members. */
function onlyComma(b: Uint8Array, from: number, to: number): boolean {
  let commas = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 0x2c) commas++;
    else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return commas === 1;
}
