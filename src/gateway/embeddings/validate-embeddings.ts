/**
 * Checks an OpenAI embeddings request (`POST /v1/embeddings`) as OpenAI does, for the fields the gateway relies on:
 * `model`, `input` in its four forms (a text, texts, one token array, token arrays; at most 2,048 inputs, none
 * empty), `encoding_format`, `dimensions`, `user`. Other fields pass upstream untouched, like the chat route's.
 */
import { SaimaError } from '../../errors.js';

/** OpenAI's limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

export interface EmbeddingsBody extends Record<string, unknown> {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

function bad(param: string, message: string, code: 'invalid_type' | 'invalid_value' | 'missing_required_parameter' = 'invalid_value'): never {
  throw new SaimaError(code, message, param);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTokenId(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function validateEmbeddingsBody(body: unknown): EmbeddingsBody {
  if (!isObject(body)) bad('body', 'The request body must be a JSON object.', 'invalid_type');
  const { model, input, encoding_format, dimensions, user, stream } = body;
  if (model === undefined || model === null || model === '') bad('model', 'You must provide a model parameter.', 'missing_required_parameter');
  if (typeof model !== 'string') bad('model', "'model' must be a string.", 'invalid_type');
  if (input === undefined || input === null) bad('input', "Missing required parameter: 'input'.", 'missing_required_parameter');
  checkInput(input);
  if (encoding_format !== undefined && encoding_format !== null && encoding_format !== 'float' && encoding_format !== 'base64') {
    bad('encoding_format', `Invalid value for 'encoding_format': expected 'float' or 'base64', but got ${JSON.stringify(encoding_format)?.slice(0, 100)} instead.`);
  }
  if (dimensions !== undefined && dimensions !== null) {
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions)) bad('dimensions', "'dimensions' must be a positive integer.", 'invalid_type');
    if (dimensions < 1 || !Number.isSafeInteger(dimensions)) bad('dimensions', `Invalid 'dimensions': expected a positive integer, but got ${dimensions} instead.`);
  }
  if (user !== undefined && user !== null && typeof user !== 'string') bad('user', "'user' must be a string.", 'invalid_type');
  // The gateway would take `stream` as a streamed call; embeddings have no stream.
  if (stream !== undefined && stream !== null && stream !== false) bad('stream', 'Embeddings cannot be streamed: remove \'stream\'.');
  return body as EmbeddingsBody;
}

function checkInput(input: unknown): void {
  if (typeof input === 'string') {
    if (input === '') bad('input', "'input' must not be empty.");
    return;
  }
  if (!Array.isArray(input)) bad('input', "'input' must be a string, an array of strings, an array of integers or an array of arrays of integers.", 'invalid_type');
  if (input.length === 0) bad('input', "'input' must not be an empty array.");
  const first = input[0];
  if (typeof first === 'number') {
    // One token array: OpenAI's limit is on inputs, and this is one input.
    for (let i = 0; i < input.length; i++) if (!isTokenId(input[i])) bad('input', `Invalid 'input[${i}]': a token array must hold non-negative integers only.`, 'invalid_type');
    return;
  }
  if (input.length > MAX_EMBEDDING_INPUTS) bad('input', `'input' has ${input.length} items; at most ${MAX_EMBEDDING_INPUTS} inputs may be embedded in one request.`);
  if (typeof first === 'string') {
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      if (typeof v !== 'string') bad('input', `Invalid 'input[${i}]': every item must be a string, like the first.`, 'invalid_type');
      if (v === '') bad('input', `Invalid 'input[${i}]': an input must not be empty.`);
    }
    return;
  }
  if (Array.isArray(first)) {
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      if (!Array.isArray(v)) bad('input', `Invalid 'input[${i}]': every item must be an array of integers, like the first.`, 'invalid_type');
      if (v.length === 0) bad('input', `Invalid 'input[${i}]': an input must not be empty.`);
      for (let j = 0; j < v.length; j++) if (!isTokenId(v[j])) bad('input', `Invalid 'input[${i}][${j}]': a token array must hold non-negative integers only.`, 'invalid_type');
    }
    return;
  }
  bad('input', "'input' must be a string, an array of strings, an array of integers or an array of arrays of integers.", 'invalid_type');
}
