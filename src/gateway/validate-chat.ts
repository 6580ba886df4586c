/**
 * Checks only the chat-completion fields Saima itself relies on; everything else passes upstream untouched.
 * Hand-written rather than schema-compiled: it runs on every request and touches a handful of fields.
 */
import { SaimaError } from './errors.js';

export interface ChatBody extends Record<string, unknown> {
  model: string;
  messages: Array<Record<string, unknown>>;
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
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(key, `'${key}' must be a positive integer.`, 'invalid_type');
}

export function validateChatBody(body: unknown): ChatBody {
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
  return body as ChatBody;
}
