/**
 * What a Chat Completions request can be billed for its input, counted before the call (budget reservations, rate
 * limits) and when an upstream reports no usage. Every field of the request is decided here: counted (text with the
 * o200k_base tokenizer, media at a stated bound) or free. A field this table does not know is counted as its JSON
 * text, so a new vendor field can make the estimate larger, never smaller. docs/access.md lists the table.
 *
 * Cost is linear in the body: the tokenizer is superlinear in the length of one unbroken run of text, so texts are
 * fed to it in bounded chunks, and only the first `TOKENIZED_CHARS` new characters of a request are tokenized at
 * all; the rest is counted at one token per UTF-8 byte, which bounds every byte-level BPE tokenizer from above (a
 * token covers at least one byte). A request near the body limit is thus estimated in milliseconds.
 */
import { hasRawParts, materialized } from '../providers/raw-json.js';
import { AS_TEXT, loadEncoding, type Encoding } from '../providers/chat-tokens.js';

/** Per-message overhead of the chat format (role markers, separators), per OpenAI's cookbook recipe. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
/**
 * Stated bound for one image part, URL or base64, unless the contender sets `image_tokens`. Above OpenAI's
 * high-detail maximum for the GPT-4o family (85 + 170 × 8 tiles = 1,445), Anthropic's (~1,600 for 1.15 MP) and
 * OpenAI's patch rule for GPT-4.1 mini (1,536 patches × 1.62 = 2,489).
 */
export const IMAGE_TOKENS = 2_500;
/** Base64 characters of input audio per token: about 10 tokens a second even at 4 kbit/s. */
const AUDIO_CHARS_PER_TOKEN = 64;
/**
 * Content the request refers to by id and does not carry (an uploaded `file_id`, an earlier audio answer): counted
 * at a context window's worth, the most any model reads.
 */
export const REFERENCED_CONTENT_TOKENS = 128_000;
/** New (uncached) characters a request may have tokenized; the rest is counted by bytes. */
export const TOKENIZED_CHARS = 16_384;
/** Chunk fed to the tokenizer at once: bounds its superlinear cost on a long run of text without a break. */
const CHUNK_CHARS = 1_024;

export interface PromptEstimate {
  /** Tokens of everything but images. */
  tokens: number;
  /** Image parts, each billed at the contender's image bound. */
  images: number;
  /** Tokens of `prediction`: rejected prediction tokens are billed as output, so they are reserved as output. */
  predicted: number;
}

/** How each top-level request field is counted. Anything else is counted as its JSON text. */
export const REQUEST_FIELDS = {
  messages: 'counted',
  tools: 'counted',
  functions: 'counted',
  function_call: 'counted',
  tool_choice: 'counted',
  response_format: 'counted',
  prediction: 'counted',
  audio: 'free',
  frequency_penalty: 'free',
  logit_bias: 'free',
  logprobs: 'free',
  max_completion_tokens: 'free',
  max_tokens: 'free',
  metadata: 'free',
  modalities: 'free',
  model: 'free',
  moderation: 'free',
  n: 'free',
  parallel_tool_calls: 'free',
  presence_penalty: 'free',
  prompt_cache_key: 'free',
  prompt_cache_options: 'free',
  prompt_cache_retention: 'free',
  reasoning_effort: 'free',
  safety_identifier: 'free',
  seed: 'free',
  service_tier: 'free',
  stop: 'free',
  store: 'free',
  stream: 'free',
  stream_options: 'free',
  temperature: 'free',
  top_logprobs: 'free',
  top_p: 'free',
  user: 'free',
  verbosity: 'free',
  web_search_options: 'free',
} as const satisfies Record<string, 'counted' | 'free'>;

/** Content-part types and how they count; an unknown type counts as its JSON text. */
export const CONTENT_PARTS = ['text', 'refusal', 'image_url', 'input_audio', 'file'] as const;

const FREE = new Set(Object.entries(REQUEST_FIELDS).flatMap(([k, v]) => (v === 'free' ? [k] : [])));

/**
 * Estimates made where a large body was parsed (off the event loop), found again by the body they describe; or how
 * to make one, for a body that is not a chat request (embeddings), asked only when admission or metering needs it.
 */
const known = new WeakMap<object, PromptEstimate | (() => Promise<PromptEstimate>)>();

/** Records the estimate of a body whose bulky fields the caller holds as raw JSON (see providers/raw-json.ts). */
export function rememberEstimate(body: Record<string, unknown>, estimate: PromptEstimate | (() => Promise<PromptEstimate>)): void {
  known.set(body, estimate);
}

/**
 * Adds `tokens` the upstream will bill as input beyond what `body` holds: a conversation the upstream keeps itself (a
 * Responses API `previous_response_id` passed through), whose earlier turns the gateway never sees.
 */
export function addCarriedTokens(body: Record<string, unknown>, tokens: number): void {
  const own = known.get(body);
  const count = async (): Promise<PromptEstimate> => {
    const e = typeof own === 'function' ? await own() : (own ?? (await estimatePrompt({ ...body })));
    return { ...e, tokens: e.tokens + tokens };
  };
  known.set(body, count);
}

export async function estimatePrompt(body: Record<string, unknown>): Promise<PromptEstimate> {
  const remembered = known.get(body);
  if (typeof remembered === 'function') return remembered();
  if (remembered) return remembered;
  // A body with raw parts and no remembered estimate is counted whole (a parse on this thread), never as bytes.
  if (hasRawParts(body)) body = materialized(body);
  const c = new Counter(await loadEncoding());
  let tokens = TOKENS_PER_REPLY;
  let predicted = 0;
  for (const key in body) {
    if (FREE.has(key)) continue;
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (key === 'messages' && Array.isArray(v)) tokens += c.messages(v);
    else if (key === 'prediction') predicted += c.any(v);
    else tokens += c.any(v);
  }
  return { tokens, images: c.images, predicted };
}

/**
 * The input tokens of an embeddings request (`input`: a text, texts, a token array or token arrays), at the same
 * bounded cost as a chat prompt: texts through the tokenizer (past TOKENIZED_CHARS, one token per byte), token
 * arrays by their length. No per-input overhead: embedding models bill the inputs' tokens alone.
 */
export async function estimateEmbeddingInput(input: unknown): Promise<PromptEstimate> {
  const c = new Counter(await loadEncoding());
  let tokens = 0;
  const one = (v: unknown): number => (typeof v === 'string' ? c.text(v) : Array.isArray(v) ? v.length : c.any(v));
  if (Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number') for (const v of input) tokens += one(v);
  else tokens = one(input);
  return { tokens, images: 0, predicted: 0 };
}

/** Tokens of one text (an answer counted when the upstream reports no usage), at the same bounded cost. */
export async function countTextBounded(text: string): Promise<number> {
  return new Counter(await loadEncoding()).text(text);
}

/** Prompt tokens a contender may bill for an estimate (predicted output not included). */
export function promptTokensFor(e: PromptEstimate, imageTokens: number | null): number {
  return e.tokens + e.images * (imageTokens ?? IMAGE_TOKENS);
}

class Counter {
  images = 0;
  #budget = TOKENIZED_CHARS;

  constructor(readonly enc: Encoding) {}

  messages(list: unknown[]): number {
    let n = 0;
    for (const m of list) {
      n += TOKENS_PER_MESSAGE;
      if (!isObject(m)) {
        n += this.any(m);
        continue;
      }
      for (const key in m) {
        const v = m[key];
        if (v === undefined || v === null) continue;
        if (key === 'content') n += this.content(v);
        else if (key === 'audio' && isObject(v) && typeof v.id === 'string') n += REFERENCED_CONTENT_TOKENS;
        else n += this.any(v);
      }
    }
    return n;
  }

  content(v: unknown): number {
    if (typeof v === 'string') return this.text(v);
    if (!Array.isArray(v)) return this.any(v);
    let n = 0;
    for (const part of v) n += this.part(part);
    return n;
  }

  part(p: unknown): number {
    if (!isObject(p)) return this.any(p);
    switch (p.type) {
      case 'text':
        if (typeof p.text === 'string') return this.text(p.text);
        break;
      case 'refusal':
        if (typeof p.refusal === 'string') return this.text(p.refusal);
        break;
      case 'image_url':
        // Vendors bill an image by its pixels, never by the bytes of its URL or base64 data.
        this.images++;
        return 0;
      case 'input_audio': {
        const data = isObject(p.input_audio) ? p.input_audio.data : undefined;
        if (typeof data === 'string') return Math.ceil(data.length / AUDIO_CHARS_PER_TOKEN) + 1;
        break;
      }
      case 'file': {
        const f = isObject(p.file) ? p.file : null;
        if (!f) break;
        let n = typeof f.filename === 'string' ? this.text(f.filename) : 0;
        // A file's text and page images are billed; one token per base64 character bounds both for documents.
        if (typeof f.file_data === 'string') n += f.file_data.length;
        if (typeof f.file_id === 'string') n += REFERENCED_CONTENT_TOKENS;
        return n;
      }
    }
    return this.any(p);
  }

  /** Any other value: strings as text, everything else as its JSON text. */
  any(v: unknown): number {
    if (typeof v === 'string') return this.text(v);
    if (typeof v === 'number' || typeof v === 'boolean') return 1;
    return this.text(JSON.stringify(v) ?? '');
  }

  text(s: string): number {
    if (s === '') return 0;
    const known = cached(s);
    if (known !== undefined) return known;
    if (s.length > this.#budget) return utf8Bytes(s);
    this.#budget -= s.length;
    const n = chunkedCount(this.enc, s);
    remember(s, n);
    return n;
  }
}

/** Byte-pair count in chunks of at most CHUNK_CHARS; a chunk never ends between the halves of a surrogate pair. */
function chunkedCount(enc: Encoding, s: string): number {
  if (s.length <= CHUNK_CHARS) return enc.countTokens(s, AS_TEXT);
  let n = 0;
  for (let i = 0; i < s.length; ) {
    let end = Math.min(s.length, i + CHUNK_CHARS);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end++;
    n += enc.countTokens(s.slice(i, end), AS_TEXT);
    i = end;
  }
  return n;
}

/** UTF-8 length without encoding (Buffer.byteLength copies nothing either, but this needs no Buffer). */
function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Counts of texts seen recently: chat clients resend the whole conversation and the same system prompt and tools
 * every turn. Two generations of at most GENERATION entries bound the memory; long texts are not kept.
 */
const GENERATION = 4096;
const MAX_CACHED_CHARS = 32_768;
let young = new Map<string, number>();
let old = new Map<string, number>();

function cached(s: string): number | undefined {
  if (s.length > MAX_CACHED_CHARS) return undefined;
  const n = young.get(s) ?? old.get(s);
  if (n !== undefined && !young.has(s)) remember(s, n);
  return n;
}

function remember(s: string, n: number): void {
  if (s.length > MAX_CACHED_CHARS) return;
  if (young.size >= GENERATION) {
    old = young;
    young = new Map();
  }
  young.set(s, n);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
