/**
 * A validated Messages body → the gateway's internal chat body (OpenAI chat completions shape), which admission
 * estimates and caps, shadows resend, and every non-Anthropic contender is called with.
 *
 * What an OpenAI-compatible upstream cannot carry is not dropped: it is listed in `refusals`, and a call to such a
 * contender is refused with a 400 naming it (an `anthropic` contender gets the client's own body and carries all).
 * `cache_control` (top-level or on a block) is the one thing left out on purpose: a caching hint, not content
 * (OpenAI-compatible upstreams cache prompts by themselves).
 */
import type { PlainChatBody } from '../validate-chat.js';
import { isObject, type Json, type MessagesBody } from './validate-messages.js';

export interface Refusal {
  param: string;
  message: string;
}

export interface Translated {
  chat: PlainChatBody;
  refusals: Refusal[];
}

/** Top-level fields translated below; any other one is refused for an OpenAI-compatible contender. */
const TRANSLATED = new Set(['model', 'messages', 'max_tokens', 'system', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice', 'metadata', 'thinking', 'output_config', 'cache_control']);
/** `output_config.effort` values with an OpenAI `reasoning_effort` of the same name. */
const EFFORTS = new Set(['low', 'medium', 'high']);

export function toChatBody(body: MessagesBody): Translated {
  const refusals: Refusal[] = [];
  const refuse = (param: string, what: string) => refusals.push({ param, message: `${param}: ${what} cannot be carried to an OpenAI-compatible contender` });
  for (const key of Object.keys(body)) if (!TRANSLATED.has(key) && body[key] !== undefined) refuse(key, `'${key}'`);

  const messages: Json[] = [];
  const system = body.system;
  if (typeof system === 'string') {
    if (system !== '') messages.push({ role: 'system', content: system });
  } else if (Array.isArray(system)) {
    const texts: string[] = [];
    system.forEach((b, i) => {
      if (isObject(b) && b.type === 'text') texts.push(b.text as string);
      else refuse(`system.${i}`, `a ${String((b as Json).type)} block`);
    });
    if (texts.length > 0) messages.push({ role: 'system', content: texts.join('\n\n') });
  }
  body.messages.forEach((m, i) => {
    if (m.role === 'user') userTurn(m.content, `messages.${i}.content`, messages, refuse);
    else assistantTurn(m.content, `messages.${i}.content`, messages, refuse);
  });

  const chat: Json = { model: body.model, messages };
  if (body.max_tokens !== undefined && body.max_tokens !== null) chat.max_tokens = body.max_tokens;
  if (body.stream === true) chat.stream = true;
  for (const key of ['temperature', 'top_p', 'top_k'] as const) if (typeof body[key] === 'number') chat[key] = body[key];
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) chat.stop = body.stop_sequences;
  const user = isObject(body.metadata) ? body.metadata.user_id : undefined;
  if (typeof user === 'string' && user !== '') chat.user = user;
  if (isObject(body.metadata)) for (const key of Object.keys(body.metadata)) if (key !== 'user_id') refuse(`metadata.${key}`, `'metadata.${key}'`);
  // Anthropic's object as given, enabled or disabled: what vendors with an Anthropic-style switch (DeepSeek, Moonshot,
  // Doubao, Zhipu) and the anthropic provider read; each contender's thinking_switch quirk makes it its own
  // (thinking-switch.ts).
  if (isObject(body.thinking)) chat.thinking = body.thinking;
  if (isObject(body.output_config)) outputConfig(body.output_config, chat, refuse);
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    chat.tools = body.tools.map((t: Json, i) => {
      if (t.type !== undefined && t.type !== null && t.type !== 'custom') refuse(`tools.${i}`, `the server tool '${String(t.type)}'`);
      const fn: Json = { name: t.name, parameters: t.input_schema ?? { type: 'object' } };
      if (typeof t.description === 'string') fn.description = t.description;
      return { type: 'function', function: fn };
    });
  }
  const choice = body.tool_choice;
  if (isObject(choice)) {
    if (choice.type === 'auto') chat.tool_choice = 'auto';
    else if (choice.type === 'any') chat.tool_choice = 'required';
    else if (choice.type === 'none') chat.tool_choice = 'none';
    else if (choice.type === 'tool') chat.tool_choice = { type: 'function', function: { name: choice.name } };
    if (choice.disable_parallel_tool_use === true) chat.parallel_tool_calls = false;
  }
  return { chat: chat as unknown as PlainChatBody, refusals };
}

type Refuse = (param: string, what: string) => void;

/** `effort` → `reasoning_effort`, a JSON schema `format` → `response_format`; anything else is refused. */
function outputConfig(config: Json, chat: Json, refuse: Refuse): void {
  for (const [key, v] of Object.entries(config)) {
    if (v === undefined || v === null) continue;
    if (key === 'effort' && typeof v === 'string' && EFFORTS.has(v)) chat.reasoning_effort = v;
    else if (key === 'format' && isObject(v) && v.type === 'json_schema' && isObject(v.schema)) chat.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: v.schema } };
    else refuse(`output_config.${key}`, `'output_config.${key}' of ${JSON.stringify(v).slice(0, 60)}`);
  }
}

/** A user turn: its tool results become `tool` messages (first, as OpenAI wants them after the calls), the rest one user message. */
function userTurn(content: string | Json[], at: string, out: Json[], refuse: Refuse): void {
  if (typeof content === 'string') {
    out.push({ role: 'user', content });
    return;
  }
  const parts: Json[] = [];
  content.forEach((b, j) => {
    const where = `${at}.${j}`;
    if (b.type === 'tool_result') out.push(toolMessage(b, where, refuse));
    else if (b.type === 'text') parts.push({ type: 'text', text: b.text });
    else if (b.type === 'image') parts.push(imagePart(b, where, refuse));
    else refuse(where, `a ${String(b.type)} block`);
  });
  if (parts.length > 0) out.push({ role: 'user', content: parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : parts });
}

function imagePart(b: Json, where: string, refuse: Refuse): Json {
  const s = b.source as Json;
  if (s.type === 'base64') return { type: 'image_url', image_url: { url: `data:${String(s.media_type)};base64,${String(s.data)}` } };
  if (s.type === 'url') return { type: 'image_url', image_url: { url: s.url } };
  refuse(`${where}.source`, `an image source of type '${String(s.type)}'`);
  return { type: 'text', text: '' };
}

/** A tool result: OpenAI's tool message carries text only; `is_error` becomes an `Error:` prefix, as it reads to a model. */
function toolMessage(b: Json, where: string, refuse: Refuse): Json {
  let text = '';
  if (typeof b.content === 'string') text = b.content;
  else if (Array.isArray(b.content)) {
    text = (b.content as Json[])
      .map((p, k) => {
        if (p.type === 'text') return p.text as string;
        refuse(`${where}.content.${k}`, `a ${String(p.type)} block inside a tool result`);
        return '';
      })
      .join('\n');
  }
  return { role: 'tool', tool_call_id: b.tool_use_id, content: b.is_error === true ? `Error: ${text}` : text };
}

/** An assistant turn: text, tool calls, and thinking as DeepSeek's `reasoning_content`. */
function assistantTurn(content: string | Json[], at: string, out: Json[], refuse: Refuse): void {
  if (typeof content === 'string') {
    out.push({ role: 'assistant', content });
    return;
  }
  let text = '';
  let reasoning = '';
  const calls: Json[] = [];
  content.forEach((b, j) => {
    if (b.type === 'text') text += b.text as string;
    else if (b.type === 'thinking') reasoning += b.thinking as string;
    else if (b.type === 'tool_use') calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
    else refuse(`${at}.${j}`, `a ${String(b.type)} block`);
  });
  const msg: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (reasoning !== '') msg.reasoning_content = reasoning;
  if (calls.length > 0) msg.tool_calls = calls;
  out.push(msg);
}
