export { ProviderRegistry } from './registry.js';
export { UpstreamError, errorForStatus, parseRetryAfter } from './upstream-error.js';
export type { ProviderAdapter, UpstreamCall, UpstreamReply, CallOutcome, Usage, UpstreamErrorInfo, UpstreamPhase } from './spec.js';
