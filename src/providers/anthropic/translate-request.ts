/**
 * OpenAI chat completions request → Anthropic Messages request (API version 2023-06-01).
 * Anthropic differs in ways the client must not notice: the system prompt is a top-level field, turns must
 * alternate user/assistant (tool results travel in a user turn), `max_tokens` is required, and tool calls are
 * content blocks. Fields with no Anthropic meaning that change the answer's shape (`n > 1`, `logprobs`, JSON
 * modes) are refused before any upstream call rather than silently ignored.
 */
import type { Contender } from '../../config/types.js';
import { SaimaError } from '../../errors.js';

export type AnthropicBlock = Record<string, unknown> & { type: string };
export interface AnthropicTurn {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/** Used when neither the request nor the contender says how long the answer may be. */
export const DEFAULT_MAX_TOKENS = 4096;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(param: string, message: string): SaimaError {
  return new SaimaError('invalid_request', message, param);
}

export function toMessagesRequest(body: Json, contender: Contender, stream: boolean): Json {
  refuseUntranslatable(body);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const { system, turns } = translateMessages(messages);
  const out: Json = { model: body.model, max_tokens: maxTokens(body, contender), messages: turns.map(compactTurn) };
  if (system.length > 0) out.system = system.join('\n\n');
  // OpenAI allows temperature up to 2, Anthropic up to 1: clamp so a race's shared request stays valid for both.
  if (typeof body.temperature === 'number') out.temperature = Math.min(1, Math.max(0, body.temperature));
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  const stop = stopSequences(body.stop);
  if (stop.length > 0) out.stop_sequences = stop;
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    out.tools = body.tools.map(translateTool);
    // Anthropic refuses a tool_choice without tools; OpenAI clients sometimes send one anyway.
    const choice = toolChoice(body.tool_choice, body.parallel_tool_calls);
    if (choice) out.tool_choice = choice;
  }
  if (typeof body.user === 'string' && body.user !== '') out.metadata = { user_id: body.user };
  // Anthropic-only knobs a client may send on purpose when it knows the contender behind the race.
  if (isObject(body.thinking)) out.thinking = body.thinking;
  if (typeof body.top_k === 'number') out.top_k = body.top_k;
  if (stream) out.stream = true;
  return out;
}

function refuseUntranslatable(body: Json): void {
  if (typeof body.n === 'number' && body.n > 1) throw invalid('n', 'n > 1 is not supported by the anthropic provider');
  if (body.logprobs === true) throw invalid('logprobs', 'logprobs is not supported by the anthropic provider');
  if (typeof body.top_logprobs === 'number') throw invalid('top_logprobs', 'top_logprobs is not supported by the anthropic provider');
  const rf = body.response_format;
  if (isObject(rf) && rf.type !== 'text') throw invalid('response_format', `response_format ${String(rf.type)} is not supported by the anthropic provider`);
}

export function maxTokens(body: Json, contender: Contender): number {
  for (const v of [body.max_completion_tokens, body.max_tokens]) if (typeof v === 'number') return v;
  return contender.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
}

function stopSequences(stop: unknown): string[] {
  if (typeof stop === 'string') return [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string') : [];
}

function translateMessages(messages: unknown[]): { system: string[]; turns: AnthropicTurn[] } {
  const system: string[] = [];
  const turns: AnthropicTurn[] = [];
  const push = (role: AnthropicTurn['role'], blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return; // Anthropic rejects empty turns; an empty message says nothing
    const last = turns.at(-1);
    // Anthropic requires alternating roles: consecutive same-role messages (several tool results, a tool
    // result followed by a user note) become one turn, in order.
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (!isObject(m)) throw invalid(at, `${at} must be an object`);
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(m.content, `${at}.content`));
        return;
      case 'user':
        return push('user', userBlocks(m.content, `${at}.content`));
      case 'assistant':
        return push('assistant', assistantBlocks(m, at));
      case 'tool':
        return push('user', [toolResult(m, at)]);
      default:
        throw invalid(`${at}.role`, `role ${String(m.role)} is not supported by the anthropic provider`);
    }
  });
  return { system, turns };
}

/** A single text block is sent as a plain string: the shorter, canonical form. */
function compactTurn(turn: AnthropicTurn): { role: string; content: string | AnthropicBlock[] } {
  const only = turn.content.length === 1 ? turn.content[0] : undefined;
  return { role: turn.role, content: only?.type === 'text' ? (only.text as string) : turn.content };
}

/** Text of a string or an array of text parts (system, developer, tool contents). */
function textOf(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(at, `${at} must be a string or an array of text parts`);
  return content
    .map((p, j) => {
      if (isObject(p) && p.type === 'text' && typeof p.text === 'string') return p.text;
      throw invalid(`${at}[${j}]`, `${at}[${j}] must be a text part here`);
    })
    .join('\n');
}

function text(t: string): AnthropicBlock[] {
  // Anthropic rejects empty text blocks; an empty string carries nothing anyway.
  return t === '' ? [] : [{ type: 'text', text: t }];
}

function userBlocks(content: unknown, at: string): AnthropicBlock[] {
  if (typeof content === 'string') return text(content);
  if (!Array.isArray(content)) throw invalid(at, `${at} must be a string or an array of content parts`);
  return content.flatMap((p, j) => userPart(p, `${at}[${j}]`));
}

function userPart(p: unknown, at: string): AnthropicBlock[] {
  if (!isObject(p)) throw invalid(at, `${at} must be an object`);
  if (p.type === 'text' && typeof p.text === 'string') return text(p.text);
  if (p.type === 'image_url' && isObject(p.image_url) && typeof p.image_url.url === 'string') return [{ type: 'image', source: mediaSource(p.image_url.url, at) }];
  if (p.type === 'file' && isObject(p.file) && typeof p.file.file_data === 'string') return [{ type: 'document', source: mediaSource(p.file.file_data, at) }];
  throw invalid(at, `content part ${String(p.type)} is not supported by the anthropic provider`);
}

/** `data:` URLs become inline base64 sources; http(s) URLs are fetched by Anthropic itself. */
function mediaSource(url: string, at: string): Json {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) return { type: 'base64', media_type: m[1], data: m[2] };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw invalid(at, `${at} must be a data: URL with base64 content or an http(s) URL`);
}

function assistantBlocks(m: Json, at: string): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  if (typeof m.content === 'string') blocks.push(...text(m.content));
  else if (Array.isArray(m.content)) {
    m.content.forEach((p, j) => {
      if (isObject(p) && p.type === 'text' && typeof p.text === 'string') blocks.push(...text(p.text));
      else if (isObject(p) && p.type === 'refusal' && typeof p.refusal === 'string') blocks.push(...text(p.refusal));
      else throw invalid(`${at}.content[${j}]`, `${at}.content[${j}] must be a text or refusal part`);
    });
  }
  if (Array.isArray(m.tool_calls)) m.tool_calls.forEach((c, j) => blocks.push(toolUse(c, `${at}.tool_calls[${j}]`)));
  return blocks;
}

function toolUse(c: unknown, at: string): AnthropicBlock {
  if (!isObject(c) || typeof c.id !== 'string' || !isObject(c.function) || typeof c.function.name !== 'string') {
    throw invalid(at, `${at} must be a function tool call with an id and a name`);
  }
  const args = c.function.arguments;
  let input: unknown = {};
  try {
    if (typeof args === 'string' && args.trim() !== '') input = JSON.parse(args);
  } catch {
    throw invalid(`${at}.function.arguments`, `${at}.function.arguments must be a JSON object`);
  }
  if (!isObject(input)) throw invalid(`${at}.function.arguments`, `${at}.function.arguments must be a JSON object`);
  return { type: 'tool_use', id: c.id, name: c.function.name, input };
}

function toolResult(m: Json, at: string): AnthropicBlock {
  if (typeof m.tool_call_id !== 'string') throw invalid(`${at}.tool_call_id`, `${at}.tool_call_id is required`);
  return { type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(m.content ?? '', `${at}.content`) };
}

function translateTool(t: unknown, i: number): Json {
  const at = `tools[${i}]`;
  if (!isObject(t) || t.type !== 'function' || !isObject(t.function) || typeof t.function.name !== 'string') {
    throw invalid(at, `${at}: only function tools are supported by the anthropic provider`);
  }
  const f = t.function;
  const out: Json = { name: f.name, input_schema: isObject(f.parameters) ? f.parameters : { type: 'object', properties: {} } };
  if (typeof f.description === 'string') out.description = f.description;
  return out;
}

/** auto → auto, none → none, required → any, a named function → tool; `parallel_tool_calls: false` rides along. */
function toolChoice(choice: unknown, parallel: unknown): Json | null {
  let out: Json | null = null;
  if (choice === 'auto' || choice === 'none') out = { type: choice };
  else if (choice === 'required') out = { type: 'any' };
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') out = { type: 'tool', name: choice.function.name };
  else if (choice !== undefined && choice !== null) throw invalid('tool_choice', 'tool_choice must be auto, none, required or a named function');
  if (parallel === false && out?.type !== 'none') out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}
