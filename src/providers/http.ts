/**
 * Shared HTTP plumbing for protocol adapters: one pooled undici Agent per adapter instance, the mapping of network
 * failures to `UpstreamError`s, and the reading of an error body. The calls themselves: upstream-dispatch.ts.
 */
import { Agent, errors as undiciErrors } from 'undici';
import type { Contender } from '../config/types.js';
import type { CallSignal } from './call-signal.js';
import { UpstreamError } from './upstream-error.js';

/**
 * Keep-alive pools, one per connect timeout (undici sets that per Agent, contenders set it each), so every
 * contender's `timeouts.connect_ms` holds. Pipelining 1: LLM responses are long and must not queue behind each other.
 */
export class UpstreamAgents {
  readonly #agents = new Map<number, Agent>();

  for(contender: Contender): Agent {
    const ms = contender.timeouts.connectMs;
    let agent = this.#agents.get(ms);
    if (!agent) {
      agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 1024, pipelining: 1, connect: { timeout: ms } });
      this.#agents.set(ms, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((a) => a.close()));
    this.#agents.clear();
  }
}

export function createAgent(): UpstreamAgents {
  return new UpstreamAgents();
}

const splitCache = new Map<string, { origin: string; path: string }>();

/** Upstream URLs are few and fixed per contender: parse each once, not per request. */
export function splitUrl(url: string): { origin: string; path: string } {
  let s = splitCache.get(url);
  if (!s) {
    const origin = new URL(url).origin;
    s = { origin, path: url.slice(origin.length) };
    if (splitCache.size < 1000) splitCache.set(url, s);
  }
  return s;
}

/** Maps an undici/network error to an UpstreamError. */
export function networkError(err: unknown, contender: Contender, phase: 'connect' | 'first_byte' | 'mid_stream'): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  if (e instanceof undiciErrors.HeadersTimeoutError || e.code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new UpstreamError('upstream_timeout', `${contender.name}: no response headers within ${contender.timeouts.firstByteMs} ms (timeouts.first_byte_ms)`, { phase: 'first_byte', retryable: true, cause: err });
  }
  if (e instanceof undiciErrors.BodyTimeoutError || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamError('upstream_timeout', `${contender.name}: upstream stalled for ${contender.timeouts.firstByteMs} ms (timeouts.first_byte_ms)`, { phase, retryable: phase !== 'mid_stream', cause: err });
  }
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new UpstreamError('upstream_timeout', `${contender.name}: connect timed out after ${contender.timeouts.connectMs} ms (timeouts.connect_ms)`, { phase: 'connect', retryable: true, cause: err });
  }
  if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED') {
    return new UpstreamError('upstream_timeout', `${contender.name}: call aborted`, { phase, retryable: false, cause: err });
  }
  return new UpstreamError('upstream_error', `${contender.name}: network error (${e.code ?? e.name ?? 'unknown'})`, {
    phase,
    retryable: phase !== 'mid_stream',
    cause: err,
  });
}

/**
 * What an upstream's error body says: `error.message` of an OpenAI- or Anthropic-shaped body (else the start of the
 * text), and OpenAI's `error.code` when it has one.
 */
export function upstreamSaid(text: string): { message: string; code: string | null } {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown; code?: unknown } | string; message?: unknown };
    const code = typeof j.error === 'object' && j.error !== null && typeof j.error.code === 'string' ? j.error.code : null;
    if (typeof j.error === 'string') return { message: j.error, code };
    if (j.error && typeof j.error.message === 'string') return { message: j.error.message, code };
    if (typeof j.message === 'string') return { message: j.message, code };
  } catch {
    // not JSON
  }
  return { message: text.slice(0, 200) || 'no body', code: null };
}
