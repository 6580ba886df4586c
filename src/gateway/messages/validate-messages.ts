/**
 * Checks an Anthropic Messages API body (`POST /v1/messages`, `/v1/messages/count_tokens`) the way Anthropic does
 * for the fields Saima reads or translates: wrong types and values are the client's 400 before anything is charged
 * or sent. Fields it does not know are left for the translation to refuse (an OpenAI-compatible contender) or pass
 * through (an `anthropic` contender). Pure, so it also runs on the body threads for large bodies (check-body.ts).
 */
import { SaimaError } from '../../errors.js';

export type Json = Record<string, unknown>;

/** A validated Messages body: the client's object itself, unchanged. */
export interface MessagesBody extends Json {
  model: string;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Json[] }>;
  max_tokens?: number;
  stream?: boolean;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(param: string, message: string, code: 'invalid_type' | 'invalid_value' | 'missing_required_parameter' = 'invalid_value'): never {
  throw new SaimaError(code, `${param}: ${message}`, param);
}

/** `maxTokensRequired`: `/v1/messages` needs `max_tokens`; count_tokens takes none. */
export function validateMessagesBody(body: unknown, maxTokensRequired: boolean): MessagesBody {
  if (!isObject(body)) bad('body', 'The request body must be a JSON object.', 'invalid_type');
  const model = body.model;
  if (model === undefined || model === null) bad('model', 'Field required', 'missing_required_parameter');
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) bad('model', 'Input should be a non-empty string', 'invalid_type');
  const max = body.max_tokens;
  if (max === undefined || max === null) {
    if (maxTokensRequired) bad('max_tokens', 'Field required', 'missing_required_parameter');
  } else if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    bad('max_tokens', 'Input should be a positive integer', 'invalid_type');
  }
  const messages = body.messages;
  if (messages === undefined || messages === null) bad('messages', 'Field required', 'missing_required_parameter');
  if (!Array.isArray(messages)) bad('messages', 'Input should be a valid list', 'invalid_type');
  if (messages.length === 0) bad('messages', 'at least one message is required');
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    const at = `messages.${i}`;
    if (!isObject(m)) bad(at, 'Input should be an object', 'invalid_type');
    if (m.role !== 'user' && m.role !== 'assistant') bad(`${at}.role`, "Input should be 'user' or 'assistant'");
    content(m.content, `${at}.content`);
  }
  const system = body.system;
  if (system !== undefined && system !== null && typeof system !== 'string') blocks(system, 'system');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') bad('stream', 'Input should be a valid boolean', 'invalid_type');
  decimal(body, 'temperature', 0, 1);
  decimal(body, 'top_p', 0, 1);
  const topK = body.top_k;
  if (topK !== undefined && topK !== null && (typeof topK !== 'number' || !Number.isSafeInteger(topK) || topK < 0)) bad('top_k', 'Input should be a non-negative integer', 'invalid_type');
  const stop = body.stop_sequences;
  if (stop !== undefined && stop !== null && (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))) bad('stop_sequences', 'Input should be a list of strings', 'invalid_type');
  const metadata = body.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) bad('metadata', 'Input should be an object', 'invalid_type');
    const user = metadata.user_id;
    if (user !== undefined && user !== null && (typeof user !== 'string' || user.length > 256)) bad('metadata.user_id', 'Input should be a string of at most 256 characters', 'invalid_type');
  }
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) bad('tools', 'Input should be a valid list', 'invalid_type');
    tools.forEach((t, i) => {
      if (!isObject(t)) bad(`tools.${i}`, 'Input should be an object', 'invalid_type');
      if (typeof t.name !== 'string' || t.name === '') bad(`tools.${i}.name`, 'Field required', 'missing_required_parameter');
      if ((t.type === undefined || t.type === null || t.type === 'custom') && !isObject(t.input_schema)) bad(`tools.${i}.input_schema`, 'Field required', 'missing_required_parameter');
    });
  }
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null) {
    if (!isObject(choice)) bad('tool_choice', 'Input should be an object', 'invalid_type');
    if (!['auto', 'any', 'tool', 'none'].includes(String(choice.type))) bad('tool_choice.type', "Input should be 'auto', 'any', 'tool' or 'none'");
    if (choice.type === 'tool' && typeof choice.name !== 'string') bad('tool_choice.name', 'Field required', 'missing_required_parameter');
    if (choice.disable_parallel_tool_use !== undefined && typeof choice.disable_parallel_tool_use !== 'boolean') bad('tool_choice.disable_parallel_tool_use', 'Input should be a valid boolean', 'invalid_type');
  }
  const thinking = body.thinking;
  if (thinking !== undefined && thinking !== null) {
    if (!isObject(thinking)) bad('thinking', 'Input should be an object', 'invalid_type');
    if (typeof thinking.type !== 'string') bad('thinking.type', 'Field required', 'missing_required_parameter');
    if (thinking.type === 'enabled' && (typeof thinking.budget_tokens !== 'number' || !Number.isSafeInteger(thinking.budget_tokens) || thinking.budget_tokens < 1)) {
      bad('thinking.budget_tokens', 'Input should be a positive integer', 'invalid_type');
    }
  }
  const output = body.output_config;
  if (output !== undefined && output !== null && !isObject(output)) bad('output_config', 'Input should be an object', 'invalid_type');
  return body as MessagesBody;
}

function decimal(body: Json, key: string, min: number, max: number): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(key, 'Input should be a valid number', 'invalid_type');
  if (v < min || v > max) bad(key, `Input should be between ${min} and ${max}`);
}

function content(c: unknown, at: string): void {
  if (typeof c === 'string') return;
  if (c === undefined || c === null) bad(at, 'Field required', 'missing_required_parameter');
  blocks(c, at);
}

/**
 * A list of content blocks: each an object with a string `type`; the blocks Saima reads are checked in depth. A tool
 * result's own content is one level down and may hold no tool result itself, so the check never recurses deeper
 * (a body of thousands of nested blocks would otherwise run the stack out).
 */
function blocks(c: unknown, at: string, inToolResult = false): void {
  if (!Array.isArray(c)) bad(at, 'Input should be a string or a list of content blocks', 'invalid_type');
  c.forEach((b, j) => {
    const where = `${at}.${j}`;
    if (!isObject(b)) bad(where, 'Input should be an object', 'invalid_type');
    if (typeof b.type !== 'string') bad(`${where}.type`, 'Field required', 'missing_required_parameter');
    switch (b.type) {
      case 'text':
        if (typeof b.text !== 'string') bad(`${where}.text`, 'Input should be a valid string', 'invalid_type');
        return;
      case 'image': {
        const s = b.source;
        if (!isObject(s)) bad(`${where}.source`, 'Field required', 'missing_required_parameter');
        if (s.type === 'base64') {
          if (typeof s.media_type !== 'string' || typeof s.data !== 'string') bad(`${where}.source`, 'a base64 source needs media_type and data strings', 'invalid_type');
        } else if (s.type === 'url') {
          if (typeof s.url !== 'string') bad(`${where}.source.url`, 'Input should be a valid string', 'invalid_type');
        }
        return;
      }
      case 'tool_use':
        if (typeof b.id !== 'string' || typeof b.name !== 'string') bad(where, 'a tool_use block needs id and name strings', 'invalid_type');
        if (b.input !== undefined && !isObject(b.input)) bad(`${where}.input`, 'Input should be an object', 'invalid_type');
        return;
      case 'tool_result':
        if (inToolResult) bad(where, 'a tool_result cannot hold another tool_result');
        if (typeof b.tool_use_id !== 'string') bad(`${where}.tool_use_id`, 'Field required', 'missing_required_parameter');
        if (b.content !== undefined && b.content !== null && typeof b.content !== 'string') blocks(b.content, `${where}.content`, true);
        return;
      case 'thinking':
        if (typeof b.thinking !== 'string') bad(`${where}.thinking`, 'Input should be a valid string', 'invalid_type');
        return;
      default:
        return;
    }
  });
}
