/**
 * A whole OpenAI chat completion (what every adapter returns) → a Responses API `response` object: reasoning
 * (`reasoning_content`, DeepSeek's field, or `reasoning`) as a `reasoning` item with its summary text, content as a
 * `message` item with `output_text`, each tool call as a `function_call` item; finish reason → status; usage from
 * the committed facts. Read before the row is written (what cannot be carried fails the call), rendered after.
 */
import { firstChoice } from '../translated-answer.js';
import { SaimaError } from '../../errors.js';
import type { Usage } from '../../providers/spec.js';
import { outputItems, responseShell, responsesUsage, statusOf, type Answer } from './response-object.js';
import { isObject, type Json, type ResponsesBody } from './to-chat.js';

export function readAnswer(bytes: Buffer): Answer {
  const { completion: raw, choice, message } = firstChoice(bytes);
  const reasoning = message.reasoning_content ?? message.reasoning;
  const content = message.content;
  let text = '';
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    text = content
      .map((p: unknown) => {
        if (isObject(p) && p.type === 'text' && typeof p.text === 'string') return p.text;
        throw new SaimaError('upstream_error', `The upstream answered with a ${isObject(p) ? String(p.type) : typeof p} content part, which this Responses translation does not carry.`);
      })
      .join('');
  }
  const calls = Array.isArray(message.tool_calls)
    ? (message.tool_calls as unknown[]).map((c) => {
        const call = isObject(c) ? c : {};
        const fn = isObject(call.function) ? call.function : {};
        return { id: String(call.id ?? ''), name: String(fn.name ?? ''), arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) };
      })
    : [];
  return {
    model: typeof raw.model === 'string' ? raw.model : '',
    reasoning: typeof reasoning === 'string' ? reasoning : '',
    text,
    calls,
    finish: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
  };
}

/** The finished `response` object for a read answer and the settled usage. */
export function renderResponse(body: ResponsesBody, id: string, createdAt: number, a: Answer, usage: Usage): Json {
  const { status, incomplete_details } = statusOf(a.finish);
  return { ...responseShell(body, id, createdAt, a.model || body.model), status, incomplete_details, output: outputItems(id, a, status), usage: responsesUsage(usage) };
}
