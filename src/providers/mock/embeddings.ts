/**
 * The simulator's embeddings: deterministic pseudo-random unit vectors, one per input, seeded by the input's own
 * text (or token ids), so the same input always gets the same vector and different inputs different ones. They carry
 * no meaning (no similarity between related texts): a stand-in for wiring, metering and race tests, not a model.
 * `dimensions` sets their length (default 256); `encoding_format: "base64"` sends little-endian float32s, as OpenAI.
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from './prng.js';
import { AS_TEXT, type Encoding } from '../chat-tokens.js';

export const MOCK_EMBEDDING_DIMENSIONS = 256;

/** The inputs of a validated embeddings body, each a text or a list of token ids. */
export function inputsOf(body: Record<string, unknown>): Array<string | number[]> {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return [];
  return typeof input[0] === 'number' ? [input as number[]] : (input as Array<string | number[]>);
}

export function embeddingsJson(enc: Encoding, body: Record<string, unknown>, model: string, withUsage: boolean): { json: string; promptTokens: number } {
  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, 8192) : MOCK_EMBEDDING_DIMENSIONS;
  const base64 = body.encoding_format === 'base64';
  let promptTokens = 0;
  const data = inputsOf(body).map((input, index) => {
    promptTokens += typeof input === 'string' ? enc.countTokens(input, AS_TEXT) : input.length;
    const vector = vectorOf(input, dims);
    const embedding = base64 ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const json = JSON.stringify({ object: 'list', data, model, ...(withUsage ? { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } } : {}) });
  return { json, promptTokens };
}

function vectorOf(input: string | number[], dims: number): Float32Array {
  const seed = createHash('sha256').update(typeof input === 'string' ? `t:${input}` : `i:${input.join(',')}`).digest().readUInt32LE(0);
  const random = mulberry32(seed);
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = random() * 2 - 1;
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i] = v[i]! / norm;
  return v;
}
