/**
 * An OpenAI chat completion (what every non-Anthropic adapter returns) → an Anthropic Messages `message`: reasoning
 * becomes a thinking block, text a text block, each tool call a tool_use block with its arguments parsed, the finish
 * reason a stop reason, and usage Anthropic's (cached tokens outside `input_tokens`).
 */
import { firstChoice } from '../translated-answer.js';
import { SaimaError } from '../../errors.js';
import type { Usage } from '../../providers/spec.js';
import { isObject, type Json } from './validate-messages.js';

/** length → max_tokens, tool_calls → tool_use, content_filter → refusal, stop → end_turn (or stop_sequence). */
export function stopReason(finish: string | null | undefined, matched: string | null): string {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return matched !== null ? 'stop_sequence' : 'end_turn';
  }
}

/**
 * The stop sequence that ended the answer, when the upstream says (vLLM and SGLang put the matched string in the
 * choice's `stop_reason`; OpenAI and DeepSeek do not, and their answers read `end_turn`).
 */
export function matchedStop(choice: Json, stops: readonly string[]): string | null {
  const s = choice.stop_reason;
  return typeof s === 'string' && stops.includes(s) ? s : null;
}

/**
 * Anthropic counts cache reads outside `input_tokens`; creation is not reported by OpenAI-compatible upstreams.
 * Reasoning tokens (DeepSeek's `completion_tokens_details.reasoning_tokens`) are the thinking share of the output.
 */
export function anthropicUsage(u: Usage): Json {
  return {
    input_tokens: Math.max(0, u.promptTokens - u.cachedTokens),
    output_tokens: u.completionTokens,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation_input_tokens: null,
    output_tokens_details: u.reasoningTokens > 0 ? { thinking_tokens: u.reasoningTokens } : null,
  };
}

/** A tool call's arguments as the object Anthropic's `input` must be; anything else is an answer we cannot carry. */
export function toolInput(args: unknown): Json {
  if (typeof args !== 'string' || args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) throw new SaimaError('upstream_error', 'The upstream answered with tool call arguments that are not a JSON object, which a Messages tool_use block cannot carry.');
  return parsed;
}

/** Content given as parts (some vendors answer so): their text, in order; a part of another kind cannot be carried. */
function textParts(parts: unknown[]): string {
  return parts
    .map((p) => {
      if (isObject(p) && p.type === 'text' && typeof p.text === 'string') return p.text;
      throw new SaimaError('upstream_error', `The upstream answered with a ${isObject(p) ? String(p.type) : typeof p} content part, which this Messages translation does not carry.`);
    })
    .join('');
}

export interface ReadCompletion {
  render(usage: Usage): Json;
}

/** Reads a completion's bytes now (throwing what cannot be carried), renders the message once usage is settled. */
export function readCompletion(bytes: Buffer, requestId: string, stops: readonly string[]): ReadCompletion {
  const { completion: raw, choice, message } = firstChoice(bytes);
  const content: Json[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = typeof message.content === 'string' ? message.content : Array.isArray(message.content) ? textParts(message.content) : '';
  if (text !== '') content.push({ type: 'text', text, citations: null });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Json[]) {
      const fn = isObject(call.function) ? call.function : {};
      content.push({ type: 'tool_use', id: String(call.id ?? ''), name: String(fn.name ?? ''), input: toolInput(fn.arguments) });
    }
  }
  const matched = matchedStop(choice, stops);
  const reason = stopReason(choice.finish_reason as string | null, matched);
  const id = typeof raw.id === 'string' && raw.id !== '' ? raw.id : requestId;
  return {
    render: (usage) => ({
      id: id.startsWith('msg_') ? id : `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: raw.model,
      content,
      stop_reason: reason,
      stop_sequence: matched,
      usage: anthropicUsage(usage),
    }),
  };
}
