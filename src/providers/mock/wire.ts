/**
 * OpenAI's chat-completions wire format as the simulator writes it: a `chat.completion` object, or
 * `chat.completion.chunk` SSE events ending with `data: [DONE]`. Reasoning is sent as `reasoning_content`
 * (DeepSeek's field, which the OpenAI-compatible ecosystem adopted). Each event shares a precomputed prefix.
 */
import type { Usage } from '../spec.js';

export const DONE_EVENT = 'data: [DONE]\n\n';

export interface CompletionFacts {
  id: string;
  created: number;
  model: string;
  answer: string;
  reasoning: string | null;
  finishReason: string;
  usage: Usage | null;
}

export function usageJson(u: Usage): string {
  return JSON.stringify({
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  });
}

export function completionJson(f: CompletionFacts): string {
  const message: Record<string, unknown> = { role: 'assistant', content: f.answer };
  if (f.reasoning !== null) message.reasoning_content = f.reasoning;
  message.refusal = null;
  const body = {
    id: f.id,
    object: 'chat.completion',
    created: f.created,
    model: f.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: f.finishReason }],
    ...(f.usage ? { usage: JSON.parse(usageJson(f.usage)) as unknown } : {}),
    system_fingerprint: null,
  };
  return JSON.stringify(body);
}

/** Builds stream events for one completion. With `usageNull`, every chunk carries `"usage":null`, as OpenAI does once usage is requested. */
export class ChunkWriter {
  readonly #open: string;
  readonly #close: string;
  readonly #usageNull: string;

  constructor(id: string, created: number, model: string, usageNull: boolean) {
    this.#open = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
    this.#usageNull = usageNull ? ',"usage":null' : '';
    this.#close = `,"logprobs":null,"finish_reason":null}]${this.#usageNull}}\n\n`;
  }

  role(): string {
    return `${this.#open}[{"index":0,"delta":{"role":"assistant","content":""}${this.#close}`;
  }

  content(text: string): string {
    return `${this.#open}[{"index":0,"delta":{"content":${JSON.stringify(text)}}${this.#close}`;
  }

  reasoning(text: string): string {
    return `${this.#open}[{"index":0,"delta":{"reasoning_content":${JSON.stringify(text)}}${this.#close}`;
  }

  finish(reason: string): string {
    return `${this.#open}[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}}]${this.#usageNull}}\n\n`;
  }

  usage(u: Usage): string {
    return `${this.#open}[],"usage":${usageJson(u)}}\n\n`;
  }
}
