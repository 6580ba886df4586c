/**
 * A Responses API body (`POST /v1/responses`) → the gateway's internal chat body (OpenAI chat completions shape),
 * which admission estimates and caps, shadows resend and every contender without an upstream Responses API is called
 * with. Every request must be servable that way (a fallback may be translated even when the assigned contender passes
 * the client's body through), so what chat completions cannot carry is refused here with a 400 naming the field:
 * built-in tools, `background`, `conversation`, item and content types with no chat form. Nothing is dropped
 * silently: `metadata` and `store` are the gateway's own (echoed back, kept) when translated.
 */
import { SaimaError } from '../../errors.js';
import type { PlainChatBody } from '../validate-chat.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The client's body after its checks: what the response object echoes. */
export interface ResponsesBody extends Json {
  model: string;
  stream?: boolean;
  store?: boolean;
  previous_response_id?: string;
  instructions?: string;
  metadata?: Record<string, string>;
}

export interface Translated {
  body: ResponsesBody;
  /** The chat messages of this request's own input (not the stored conversation, not the instructions). */
  input: Json[];
  /** The chat body without the earlier conversation: the route prepends it (previous_response_id). */
  chat: PlainChatBody;
}

function bad(param: string, message: string, code: 'invalid_type' | 'invalid_value' | 'missing_required_parameter' = 'invalid_value'): never {
  throw new SaimaError(code, `${param}: ${message}`, param);
}

function refuse(param: string, what: string): never {
  throw new SaimaError('invalid_request', `${param}: ${what} cannot be carried by this gateway's Responses API, which must be able to serve every request translated to chat completions.`, param);
}

/** Top-level fields read below; any other one is refused by name. */
const KNOWN = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'temperature', 'top_p', 'stream', 'stream_options',
  'store', 'previous_response_id', 'reasoning', 'text', 'metadata', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier', 'truncation', 'include',
  'background', 'conversation',
]);
const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

export function toChatBody(raw: unknown): Translated {
  if (!isObject(raw)) bad('body', 'The request body must be a JSON object.', 'invalid_type');
  const body = raw;
  for (const key of Object.keys(body)) if (!KNOWN.has(key) && body[key] !== undefined && body[key] !== null) refuse(key, `'${key}'`);
  const model = body.model;
  if (model === undefined || model === null) bad('model', 'Missing required parameter', 'missing_required_parameter');
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) bad('model', 'Expected a non-empty string', 'invalid_type');
  if (body.background === true) refuse('background', 'background mode');
  if (body.conversation !== undefined && body.conversation !== null) refuse('conversation', "a 'conversation' (use previous_response_id)");
  for (const key of ['stream', 'store', 'parallel_tool_calls'] as const) {
    if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'boolean') bad(key, 'Expected a boolean', 'invalid_type');
  }
  if (body.truncation !== undefined && body.truncation !== null && body.truncation !== 'disabled') refuse('truncation', `truncation '${String(body.truncation)}'`);
  if (body.include !== undefined && body.include !== null) {
    if (!Array.isArray(body.include)) bad('include', 'Expected a list', 'invalid_type');
    if (body.include.length > 0) refuse('include', `include '${String(body.include[0])}'`);
  }
  for (const key of ['previous_response_id', 'instructions', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier'] as const) {
    const v = body[key];
    if (v !== undefined && v !== null && typeof v !== 'string') bad(key, 'Expected a string', 'invalid_type');
  }
  const metadata = body.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) bad('metadata', 'Expected an object', 'invalid_type');
    const entries = Object.entries(metadata);
    if (entries.length > 16) bad('metadata', 'At most 16 keys');
    for (const [k, v] of entries) if (k.length > 64 || typeof v !== 'string' || v.length > 512) bad(`metadata.${k}`, 'Expected a string of at most 512 characters under a key of at most 64', 'invalid_type');
  }

  const chat: Json = { model, messages: [] };
  const max = body.max_output_tokens;
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 16) bad('max_output_tokens', 'Expected an integer of at least 16', 'invalid_type');
    chat.max_tokens = max;
  }
  if (body.stream === true) chat.stream = true;
  for (const [key, top] of [['temperature', 2], ['top_p', 1]] as const) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > top) bad(key, `Expected a number between 0 and ${top}`, 'invalid_type');
    chat[key] = v;
  }
  if (typeof body.user === 'string' && body.user !== '') chat.user = body.user;
  for (const key of ['safety_identifier', 'prompt_cache_key', 'service_tier'] as const) if (typeof body[key] === 'string') chat[key] = body[key];
  if (typeof body.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = body.parallel_tool_calls;
  reasoning(body.reasoning, chat);
  textConfig(body.text, chat);
  tools(body.tools, chat);
  toolChoice(body.tool_choice, chat);

  const input = inputMessages(body.input);
  const messages: Json[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '') messages.push({ role: 'system', content: body.instructions });
  messages.push(...input);
  chat.messages = messages;
  return { body: body as ResponsesBody, input, chat: chat as unknown as PlainChatBody };
}

function reasoning(r: unknown, chat: Json): void {
  if (r === undefined || r === null) return;
  if (!isObject(r)) bad('reasoning', 'Expected an object', 'invalid_type');
  for (const [key, v] of Object.entries(r)) {
    if (v === undefined || v === null) continue;
    if (key === 'effort') {
      if (typeof v !== 'string' || !EFFORTS.has(v)) bad('reasoning.effort', "Expected 'minimal', 'low', 'medium' or 'high'");
      chat.reasoning_effort = v;
    } else if (key === 'summary' || key === 'generate_summary') {
      // A summary is what the gateway gives anyway when the upstream returns its reasoning (a `reasoning` item).
      if (!['auto', 'concise', 'detailed'].includes(String(v))) bad(`reasoning.${key}`, "Expected 'auto', 'concise' or 'detailed'");
    } else refuse(`reasoning.${key}`, `'reasoning.${key}'`);
  }
}

function textConfig(t: unknown, chat: Json): void {
  if (t === undefined || t === null) return;
  if (!isObject(t)) bad('text', 'Expected an object', 'invalid_type');
  for (const [key, v] of Object.entries(t)) {
    if (v === undefined || v === null) continue;
    if (key === 'verbosity') {
      if (!['low', 'medium', 'high'].includes(String(v))) bad('text.verbosity', "Expected 'low', 'medium' or 'high'");
      chat.verbosity = v;
    } else if (key === 'format') {
      if (!isObject(v)) bad('text.format', 'Expected an object', 'invalid_type');
      if (v.type === 'text') continue;
      if (v.type === 'json_object') chat.response_format = { type: 'json_object' };
      else if (v.type === 'json_schema') {
        if (typeof v.name !== 'string' || v.name === '') bad('text.format.name', 'Missing required parameter', 'missing_required_parameter');
        if (!isObject(v.schema)) bad('text.format.schema', 'Missing required parameter', 'missing_required_parameter');
        const schema: Json = { name: v.name, schema: v.schema };
        if (typeof v.strict === 'boolean') schema.strict = v.strict;
        if (typeof v.description === 'string') schema.description = v.description;
        chat.response_format = { type: 'json_schema', json_schema: schema };
      } else bad('text.format.type', "Expected 'text', 'json_object' or 'json_schema'");
    } else refuse(`text.${key}`, `'text.${key}'`);
  }
}

function tools(list: unknown, chat: Json): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) bad('tools', 'Expected a list', 'invalid_type');
  if (list.length === 0) return;
  chat.tools = list.map((t: unknown, i) => {
    if (!isObject(t)) bad(`tools[${i}]`, 'Expected an object', 'invalid_type');
    if (t.type !== 'function') refuse(`tools[${i}].type`, `the built-in tool '${String(t.type)}'`);
    if (typeof t.name !== 'string' || t.name === '') bad(`tools[${i}].name`, 'Missing required parameter', 'missing_required_parameter');
    const fn: Json = { name: t.name, parameters: isObject(t.parameters) ? t.parameters : { type: 'object', properties: {} } };
    if (typeof t.description === 'string') fn.description = t.description;
    if (typeof t.strict === 'boolean') fn.strict = t.strict;
    return { type: 'function', function: fn };
  });
}

function toolChoice(c: unknown, chat: Json): void {
  if (c === undefined || c === null) return;
  if (c === 'auto' || c === 'none' || c === 'required') {
    chat.tool_choice = c;
    return;
  }
  if (!isObject(c)) bad('tool_choice', "Expected 'auto', 'none', 'required' or an object", 'invalid_type');
  if (c.type !== 'function') refuse('tool_choice.type', `tool_choice '${String(c.type)}'`);
  if (typeof c.name !== 'string' || c.name === '') bad('tool_choice.name', 'Missing required parameter', 'missing_required_parameter');
  chat.tool_choice = { type: 'function', function: { name: c.name } };
}

/**
 * The input items → chat messages: messages by role, `function_call` items folded into the assistant message
 * before them (parallel calls become one message's `tool_calls`), `function_call_output` items as tool messages,
 * and `reasoning` items as the next assistant message's `reasoning_content` (DeepSeek's field).
 */
export function inputMessages(input: unknown): Json[] {
  if (input === undefined || input === null) bad('input', 'Missing required parameter', 'missing_required_parameter');
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) bad('input', 'Expected a string or a list of items', 'invalid_type');
  const out: Json[] = [];
  let reasoningText = '';
  // The assistant message a function_call joins: the one just before it (a tool or user message ends it).
  const assistant = (): Json => {
    const last = out.at(-1);
    if (last && last.role === 'assistant') return last;
    const m: Json = { role: 'assistant', content: null };
    out.push(m);
    return m;
  };
  input.forEach((item: unknown, i) => {
    const at = `input[${i}]`;
    if (!isObject(item)) bad(at, 'Expected an object', 'invalid_type');
    const type = item.type ?? 'message';
    if (type === 'message') {
      const role = item.role;
      if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') bad(`${at}.role`, "Expected 'user', 'assistant', 'system' or 'developer'");
      const content = messageContent(item.content, `${at}.content`, role === 'assistant');
      if (role === 'assistant') {
        const m: Json = { role: 'assistant', content };
        if (reasoningText !== '') m.reasoning_content = reasoningText;
        reasoningText = '';
        out.push(m);
      } else out.push({ role, content });
    } else if (type === 'function_call') {
      if (typeof item.call_id !== 'string' || item.call_id === '') bad(`${at}.call_id`, 'Missing required parameter', 'missing_required_parameter');
      if (typeof item.name !== 'string' || item.name === '') bad(`${at}.name`, 'Missing required parameter', 'missing_required_parameter');
      if (typeof item.arguments !== 'string') bad(`${at}.arguments`, 'Expected a string', 'invalid_type');
      const m = assistant();
      if (reasoningText !== '') {
        m.reasoning_content = `${(m.reasoning_content as string | undefined) ?? ''}${reasoningText}`;
        reasoningText = '';
      }
      const calls = (m.tool_calls ??= []) as Json[];
      calls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
    } else if (type === 'function_call_output') {
      if (typeof item.call_id !== 'string' || item.call_id === '') bad(`${at}.call_id`, 'Missing required parameter', 'missing_required_parameter');
      out.push({ role: 'tool', tool_call_id: item.call_id, content: toolOutput(item.output, `${at}.output`) });
    } else if (type === 'reasoning') {
      if (item.encrypted_content !== undefined && item.encrypted_content !== null) refuse(`${at}.encrypted_content`, 'encrypted reasoning');
      const summary = Array.isArray(item.summary) ? item.summary : [];
      for (const s of summary) if (isObject(s) && typeof s.text === 'string') reasoningText += s.text;
    } else refuse(`${at}.type`, `an input item of type '${String(type)}'`);
  });
  return out;
}

function messageContent(c: unknown, at: string, assistant: boolean): string | Json[] {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) bad(at, 'Expected a string or a list of content parts', 'invalid_type');
  const parts: Json[] = c.map((p: unknown, j) => {
    const where = `${at}[${j}]`;
    if (!isObject(p)) bad(where, 'Expected an object', 'invalid_type');
    if (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') {
      if (typeof p.text !== 'string') bad(`${where}.text`, 'Expected a string', 'invalid_type');
      return { type: 'text', text: p.text };
    }
    if (p.type === 'refusal' && assistant && typeof p.refusal === 'string') return { type: 'text', text: p.refusal };
    if (p.type === 'input_image') {
      if (p.file_id !== undefined && p.file_id !== null) refuse(`${where}.file_id`, 'an image given by file id');
      if (typeof p.image_url !== 'string' || p.image_url === '') bad(`${where}.image_url`, 'Missing required parameter', 'missing_required_parameter');
      const image: Json = { url: p.image_url };
      if (p.detail === 'low' || p.detail === 'high' || p.detail === 'auto') image.detail = p.detail;
      return { type: 'image_url', image_url: image };
    }
    refuse(`${where}.type`, `a content part of type '${String(p.type)}'`);
  });
  // An assistant turn in chat is text: its parts joined (an image there has no chat form).
  if (assistant) {
    return parts
      .map((p, j) => {
        if (p.type !== 'text') refuse(`${at}[${j}].type`, 'an image in an assistant message');
        return p.text as string;
      })
      .join('');
  }
  return parts;
}

function toolOutput(o: unknown, at: string): string {
  if (typeof o === 'string') return o;
  if (!Array.isArray(o)) bad(at, 'Expected a string or a list of content parts', 'invalid_type');
  return o
    .map((p: unknown, j) => {
      if (isObject(p) && p.type === 'input_text' && typeof p.text === 'string') return p.text;
      refuse(`${at}[${j}].type`, `a function output part of type '${isObject(p) ? String(p.type) : typeof p}'`);
    })
    .join('');
}
