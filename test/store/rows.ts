/** Request-log rows for store tests: every field set, overridable. */
import type { RequestLogRow } from '../../src/store/types.js';

export function requestRow(overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id: `req-${Math.random().toString(36).slice(2)}`,
    ts: 1_700_000_000_000,
    race: 'assistant',
    contender: 'champ',
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    team: 'search',
    keyId: 'key_1',
    userHash: 'u_5f2c',
    parentId: null,
    shadow: false,
    stream: true,
    status: 200,
    outcome: 'ok',
    errorCode: null,
    errorMessage: null,
    attempts: 1,
    latencyMs: 812.25,
    ttftMs: 120.5,
    promptTokens: 42,
    completionTokens: 17,
    reasoningTokens: 3,
    cachedTokens: 8,
    usageEstimated: false,
    costNanos: 9_007_199_254, // > 2^32, so an int4 path would show
    currency: 'USD',
    finishReason: 'stop',
    promptText: null,
    responseText: null,
    fallbackFrom: null,
    outputCap: null,
    promptEstimate: null,
    source: null,
    failedAttempts: null,
    protocol: 'chat',
    ...overrides,
  };
}
