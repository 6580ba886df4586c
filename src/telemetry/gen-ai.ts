/**
 * The OpenTelemetry GenAI semantic conventions' names Saima emits (semantic-conventions 1.41 registry, as shipped
 * in @opentelemetry/semantic-conventions' incubating entry point). Copied as strings rather than imported: the
 * incubating entry point is a large module whose names may move in any minor release, as its own docs advise.
 */
import type { Contender } from '../config/types.js';

export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  reasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  tokenType: 'gen_ai.token.type',
  /** Opt-in: the prompt and the answer, as JSON of the conventions' message schema. */
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
} as const;

export const METRIC = {
  tokenUsage: 'gen_ai.client.token.usage',
  operationDuration: 'gen_ai.client.operation.duration',
  timeToFirstChunk: 'gen_ai.client.operation.time_to_first_chunk',
} as const;

/** The bucket boundaries the conventions give for each histogram. */
export const BUCKETS = {
  tokens: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  duration: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  firstChunk: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
};

export const SAIMA = {
  race: 'saima.race',
  contender: 'saima.contender',
  requestId: 'saima.request_id',
  outcome: 'saima.outcome',
  attempts: 'saima.attempts',
  shadow: 'saima.shadow',
  servedRequestId: 'saima.served_request_id',
  usageEstimated: 'saima.usage.estimated',
} as const;

/** Well-known `gen_ai.provider.name` values, by the API host that serves them. */
const PROVIDER_BY_HOST: ReadonlyArray<[RegExp, string]> = [
  [/(^|\.)openai\.azure\.com$/, 'azure.ai.openai'],
  [/(^|\.)openai\.com$/, 'openai'],
  [/(^|\.)anthropic\.com$/, 'anthropic'],
  [/(^|\.)deepseek\.com$/, 'deepseek'],
  [/(^|\.)groq\.com$/, 'groq'],
  [/(^|\.)mistral\.ai$/, 'mistral_ai'],
  [/(^|\.)x\.ai$/, 'x_ai'],
  [/(^|\.)perplexity\.ai$/, 'perplexity'],
  [/(^|\.)cohere\.(com|ai)$/, 'cohere'],
];

export interface Upstream {
  provider: string;
  address: string | null;
  port: number | null;
}

/**
 * The provider and server of a contender. An OpenAI-compatible vendor without a well-known name is `openai`, the
 * conventions' telemetry flavour for that wire format; the simulator is `saima.mock`.
 */
export function upstreamOf(c: Contender): Upstream {
  if (c.protocol === 'mock' || c.baseUrl === '') return { provider: 'saima.mock', address: null, port: null };
  let url: URL;
  try {
    url = new URL(c.baseUrl);
  } catch {
    return { provider: c.protocol, address: null, port: null };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const known = PROVIDER_BY_HOST.find(([re]) => re.test(host))?.[1];
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { provider: known ?? c.protocol, address: host, port };
}

/** The conventions' message schema: `[{role, parts: [{type: 'text', content}]}]`, from chat messages. */
export function inputMessages(messages: unknown): string | null {
  if (!Array.isArray(messages)) return null;
  return JSON.stringify(
    messages.map((m: { role?: unknown; content?: unknown }) => ({ role: typeof m?.role === 'string' ? m.role : 'user', parts: [{ type: 'text', content: textOf(m?.content) }] })),
  );
}

export function outputMessages(text: string, finishReason: string | null): string {
  return JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: finishReason ?? 'stop' }]);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { type?: unknown; text?: unknown }) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}
