/**
 * The Responses API `response` object the gateway answers with, built from the client's request (what it echoes:
 * instructions, tools, sampling, metadata) and the translated answer: output items (`reasoning` with its summary
 * text, a `message` with `output_text`, `function_call`s), status, and usage from the committed row's facts.
 */
import type { Usage } from '../../providers/spec.js';
import { isObject, type Json, type ResponsesBody } from './to-chat.js';

/** `length` → incomplete (max_output_tokens), `content_filter` → incomplete (content_filter), else completed. */
export function statusOf(finish: string | null): { status: 'completed' | 'incomplete'; incomplete_details: Json | null } {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** OpenAI counts cached tokens inside `input_tokens` and reasoning tokens inside `output_tokens`, as chat does. */
export function responsesUsage(u: Usage): Json {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

export function reasoningItem(id: string, text: string, status: string): Json {
  return { id, type: 'reasoning', summary: text === '' ? [] : [{ type: 'summary_text', text }], status };
}

export function messageItem(id: string, text: string, status: string): Json {
  return { id, type: 'message', status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: string): Json {
  return { id, type: 'function_call', status, call_id: callId, name, arguments: args };
}

/** Item ids derive from the response's id, so a stored response's items keep them. */
export function itemIds(responseId: string): { message: string; reasoning: string; call: (n: number) => string } {
  const tail = responseId.slice('resp_'.length);
  return { message: `msg_${tail}`, reasoning: `rs_${tail}`, call: (n) => `fc_${tail}_${n}` };
}

/** The echo of the request every `response` object carries, whatever its status. */
export function responseShell(body: ResponsesBody, id: string, createdAt: number, model: string): Json {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  const text = isObject(body.text) ? body.text : {};
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    service_tier: body.service_tier ?? null,
    store: body.store !== false,
    temperature: body.temperature ?? null,
    text: { format: isObject(text.format) ? text.format : { type: 'text' }, ...(text.verbosity ? { verbosity: text.verbosity } : {}) },
    tool_choice: body.tool_choice ?? 'auto',
    tools,
    top_p: body.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    user: body.user ?? null,
    safety_identifier: body.safety_identifier ?? null,
    metadata: body.metadata ?? {},
  };
}

/** The answer as a chat assistant message (what a later `previous_response_id` request continues from). */
export function assistantMessage(reasoning: string, text: string, calls: Array<{ id: string; name: string; arguments: string }>): Json {
  const m: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (reasoning !== '') m.reasoning_content = reasoning;
  if (calls.length > 0) m.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return m;
}

/** What a read answer holds, whole or streamed. */
export interface Answer {
  model: string;
  reasoning: string;
  text: string;
  calls: Array<{ id: string; name: string; arguments: string }>;
  finish: string | null;
}

/** The output items of a whole answer, in the order a stream announces them: reasoning, message, calls. */
export function outputItems(responseId: string, a: Answer, status: string): Json[] {
  const ids = itemIds(responseId);
  const out: Json[] = [];
  if (a.reasoning !== '') out.push(reasoningItem(ids.reasoning, a.reasoning, status));
  if (a.text !== '' || a.calls.length === 0) out.push(messageItem(ids.message, a.text, status));
  a.calls.forEach((c, n) => out.push(functionCallItem(ids.call(n), c.id, c.name, c.arguments, status)));
  return out;
}
