/**
 * Checks only the chat-completion fields Saima itself relies on; everything else passes upstream untouched.
 * Hand-written rather than schema-compiled: it runs on every request and touches a handful of fields.
 */
import type { RawJson } from '../providers/raw-json.js';
import { SaimaError } from '../errors.js';

export interface ChatBody extends Record<string, unknown> {
  model: string;
  /** Raw JSON when the body was large and parsed off the event loop (see large-body/ and providers/raw-json.ts). */
  messages: Array<Record<string, unknown>> | RawJson;
  stream?: boolean;
  user?: string;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(param: string, message: string, code: 'invalid_type' | 'invalid_value' | 'missing_required_parameter' = 'invalid_value'): never {
  throw new SaimaError(code, message, param);
}

function optionalPositiveInt(body: Record<string, unknown>, key: string): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(key, `'${key}' must be a positive integer.`, 'invalid_type');
  // A safe integer: 1e308 is an integer to JavaScript, and became Infinity and NaN in the budgets.
  if (v < 1 || !Number.isSafeInteger(v)) bad(key, `Invalid '${key}': expected a positive integer of at most ${Number.MAX_SAFE_INTEGER}, but got ${v} instead.`);
}

/** A chat body parsed whole: its messages are values. */
export interface PlainChatBody extends ChatBody {
  messages: Array<Record<string, unknown>>;
}

export function validateChatBody(body: unknown): PlainChatBody {
  if (!isObject(body)) bad('body', 'The request body must be a JSON object.', 'invalid_type');
  const model = body.model;
  if (model === undefined || model === null) bad('model', "Missing required parameter: 'model'.", 'missing_required_parameter');
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) bad('model', "'model' must be a non-empty string.", 'invalid_type');
  const messages = body.messages;
  if (messages === undefined || messages === null) bad('messages', "Missing required parameter: 'messages'.", 'missing_required_parameter');
  if (!Array.isArray(messages)) bad('messages', "'messages' must be an array.", 'invalid_type');
  if (messages.length === 0) bad('messages', "'messages' must contain at least one message.");
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObject(m)) bad(`messages[${i}]`, `'messages[${i}]' must be an object.`, 'invalid_type');
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) {
      bad(`messages[${i}].role`, `'messages[${i}].role' must be one of system, developer, user, assistant, tool.`);
    }
    const c = m.content;
    if (c !== undefined && c !== null && typeof c !== 'string' && !Array.isArray(c)) {
      bad(`messages[${i}].content`, `'messages[${i}].content' must be a string or an array of content parts.`, 'invalid_type');
    }
    if ((c === undefined || c === null) && m.role !== 'assistant') {
      bad(`messages[${i}].content`, `Missing required parameter: 'messages[${i}].content'.`, 'missing_required_parameter');
    }
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') bad('stream', "'stream' must be a boolean.", 'invalid_type');
  const so = body.stream_options;
  if (so !== undefined && so !== null) {
    if (!isObject(so)) bad('stream_options', "'stream_options' must be an object.", 'invalid_type');
    if (so.include_usage !== undefined && typeof so.include_usage !== 'boolean') bad('stream_options.include_usage', "'stream_options.include_usage' must be a boolean.", 'invalid_type');
  }
  if (body.user !== undefined && body.user !== null && typeof body.user !== 'string') bad('user', "'user' must be a string.", 'invalid_type');
  optionalPositiveInt(body, 'max_tokens');
  optionalPositiveInt(body, 'max_completion_tokens');
  if (body.n !== undefined && body.n !== null && (typeof body.n !== 'number' || !Number.isInteger(body.n) || body.n < 1 || body.n > 128)) {
    bad('n', "'n' must be an integer from 1 to 128.", 'invalid_type');
  }
  for (const [key, check] of KNOWN_PARAMS) {
    const v = body[key];
    if (v !== undefined && v !== null) check(key, v);
  }
  return body as PlainChatBody;
}

type Check = (param: string, v: unknown) => void;

function decimal(min: number, max: number): Check {
  return (param, v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(param, `Invalid type for '${param}': expected a decimal, but got ${typeName(v)} instead.`, 'invalid_type');
    if (v < min || v > max) bad(param, `Invalid '${param}': expected a value from ${min} to ${max}, but got ${v} instead.`);
  };
}

function integer(min: number, max: number): Check {
  return (param, v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(param, `Invalid type for '${param}': expected an integer, but got ${typeName(v)} instead.`, 'invalid_type');
    if (v < min || v > max) bad(param, `Invalid '${param}': expected a value from ${min} to ${max}, but got ${v} instead.`);
  };
}

const boolean: Check = (param, v) => {
  if (typeof v !== 'boolean') bad(param, `Invalid type for '${param}': expected a boolean, but got ${typeName(v)} instead.`, 'invalid_type');
};

const string: Check = (param, v) => {
  if (typeof v !== 'string') bad(param, `Invalid type for '${param}': expected a string, but got ${typeName(v)} instead.`, 'invalid_type');
};

const object: Check = (param, v) => {
  if (!isObject(v)) bad(param, `Invalid type for '${param}': expected an object, but got ${typeName(v)} instead.`, 'invalid_type');
};

function arrayOf(item: Check, maxItems = Infinity): Check {
  return (param, v) => {
    if (!Array.isArray(v)) bad(param, `Invalid type for '${param}': expected an array, but got ${typeName(v)} instead.`, 'invalid_type');
    if (v.length > maxItems) bad(param, `Invalid '${param}': expected at most ${maxItems} items, but got ${v.length}.`);
    for (let i = 0; i < v.length; i++) item(`${param}[${i}]`, v[i]);
  };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const stop: Check = (param, v) => {
  if (typeof v === 'string') return;
  arrayOf(string, 4)(param, v);
};

const toolChoice: Check = (param, v) => {
  if (typeof v === 'string') {
    if (!['none', 'auto', 'required'].includes(v)) bad(param, `Invalid value for '${param}': expected one of none, auto, required, or an object, but got '${v.slice(0, 40)}'.`);
    return;
  }
  object(param, v);
};

const tools: Check = arrayOf((param, v) => {
  object(param, v);
  const t = v as Record<string, unknown>;
  if (t.type === 'function') {
    object(`${param}.function`, t.function);
    string(`${param}.function.name`, (t.function as Record<string, unknown>).name);
  }
});

const logitBias: Check = (param, v) => {
  object(param, v);
  for (const [token, bias] of Object.entries(v as Record<string, unknown>)) decimal(-100, 100)(`${param}.${token}`, bias);
};

const responseFormat: Check = (param, v) => {
  object(param, v);
  const type = (v as Record<string, unknown>).type;
  if (type !== 'text' && type !== 'json_object' && type !== 'json_schema') {
    bad(`${param}.type`, `Invalid value for '${param}.type': expected one of text, json_object, json_schema.`);
  }
};

/**
 * Known Chat Completions parameters, typed and ranged as OpenAI documents them, so a wrong one gets OpenAI's 400
 * naming the parameter before anything is charged or sent upstream (`temperature: "hot"` used to be forwarded).
 * Unknown parameters still pass through untouched: vendors add their own.
 */
const KNOWN_PARAMS: ReadonlyArray<readonly [string, Check]> = [
  ['temperature', decimal(0, 2)],
  ['top_p', decimal(0, 1)],
  ['presence_penalty', decimal(-2, 2)],
  ['frequency_penalty', decimal(-2, 2)],
  ['seed', integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)],
  ['logprobs', boolean],
  ['top_logprobs', integer(0, 20)],
  ['parallel_tool_calls', boolean],
  ['store', boolean],
  ['stop', stop],
  ['logit_bias', logitBias],
  ['tools', tools],
  ['tool_choice', toolChoice],
  ['functions', arrayOf(object)],
  ['response_format', responseFormat],
  ['metadata', object],
  ['prediction', object],
  ['audio', object],
  ['modalities', arrayOf(string)],
  ['reasoning_effort', string],
  ['service_tier', string],
];
