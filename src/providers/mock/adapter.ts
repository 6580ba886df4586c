/**
 * The `mock` protocol: an in-process SIMULATOR of an OpenAI-compatible upstream, for the quick start,
 * demos, `saima simulate`-style experiments and tests. No network, no model: it answers from the contender's
 * `mock` profile (scripted answers, latency, TTFT, token rate, jitter, injected faults) and speaks exactly
 * OpenAI's wire format. What it simulates and what it does not: ./README.md.
 */
import { materialized } from '../raw-json.js';
import { setMaxListeners } from 'node:events';
import type { MockProfile } from '../../config/schema.js';
import type { Contender } from '../../config/types.js';
import type { CallSignal } from '../call-signal.js';
import type { CallOutcome, ProviderAdapter, UpstreamCall, UpstreamReply, Usage } from '../spec.js';
import { onceBody } from '../stream-once.js';
import { errorForStatus, UpstreamError } from '../upstream-error.js';
import { embeddingsJson } from './embeddings.js';
import { durationMs, generate, type Generation } from './generate.js';
import { planCall, type MockPlan } from './plan.js';
import { mulberry32 } from './prng.js';
import { sleep } from './sleep.js';
import { mockStream } from './stream.js';
import { loadEncoding, promptTokens } from './tokens.js';
import { ChunkWriter, completionJson } from './wire.js';

/** What a simulated 429 asks the client to wait, like OpenAI's usual `retry-after: 1`. */
const RETRY_AFTER_MS = 1000;

export class MockAdapter implements ProviderAdapter {
  readonly protocol = 'mock' as const;
  readonly #random: (() => number) | null;
  /** One seeded sequence per contender, so a seeded run replays the same faults and delays. */
  readonly #sequences = new WeakMap<Contender, () => number>();
  readonly #closing = closingController();

  constructor(opts?: { random?: () => number }) {
    this.#random = opts?.random ?? null;
  }

  async send(call: UpstreamCall, signal: CallSignal): Promise<UpstreamReply> {
    const startedAt = performance.now();
    const { contender } = call;
    const profile = contender.mock;
    if (!profile) throw new UpstreamError('upstream_error', `${contender.name}: no mock profile`, { phase: 'connect', retryable: false });
    // The simulator reads the messages: a large body's raw ones are parsed here (see raw-json.ts).
    const request = materialized(call.body);
    const plan = planCall(profile, request, this.#randomFor(contender, profile));
    const signals = [signal, this.#closing.signal];
    const [enc, slept] = await Promise.all([loadEncoding(), sleep(plan.latencyMs, ...signals)]);
    if (!slept) throw aborted(contender, 'connect');
    await this.#failBeforeHeaders(plan, contender, signals);
    if (call.operation === 'embeddings') return embeddingsReply(enc, call, request, startedAt);

    const gen = generate(enc, plan, request);
    const usage: Usage | null = profile.report_usage
      ? { promptTokens: promptTokens(enc, request), completionTokens: gen.completionTokens, reasoningTokens: gen.reasoningTokens, cachedTokens: 0, estimated: false }
      : null;
    const id = `chatcmpl-mock-${call.requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof request.model === 'string' ? request.model : contender.model;

    if (!call.stream) return this.#complete(call, plan, gen, usage, { id, created, model, startedAt, signals });
    const { body, outcome } = mockStream(
      {
        contender,
        gen,
        writer: new ChunkWriter(id, created, model, call.clientWantsUsage),
        ttftMs: plan.ttftMs,
        tokensPerS: plan.tokensPerS,
        usage,
        sendUsage: call.clientWantsUsage,
        cut: plan.fault === 'cut',
        captureText: call.captureText,
        startedAt,
        signals,
      },
      signal,
    );
    return { status: 200, contentType: 'text/event-stream', body, outcome };
  }

  /** Stops every simulation in flight (their sleeps end at once). */
  async close(): Promise<void> {
    this.#closing.abort();
  }

  #randomFor(contender: Contender, profile: MockProfile): () => number {
    if (this.#random) return this.#random;
    let seq = this.#sequences.get(contender);
    if (!seq) {
      seq = mulberry32(profile.seed);
      this.#sequences.set(contender, seq);
    }
    return seq;
  }

  async #failBeforeHeaders(plan: MockPlan, contender: Contender, signals: CallSignal[]): Promise<void> {
    const what = 'simulated by the mock provider';
    switch (plan.fault) {
      case 'http_500':
        throw errorForStatus(500, what, null);
      case 'http_503':
        throw errorForStatus(503, what, null);
      case 'http_429':
        throw errorForStatus(429, what, RETRY_AFTER_MS);
      case 'reset':
        throw new UpstreamError('upstream_error', `${contender.name}: network error (ECONNRESET, simulated)`, { phase: 'connect', retryable: true });
      case 'hang':
        // Like a real upstream that never answers: the first-byte timeout is what ends the call.
        if (!(await sleep(contender.timeouts.firstByteMs, ...signals))) throw aborted(contender, 'first_byte');
        throw new UpstreamError('upstream_timeout', `${contender.name}: no response headers within ${contender.timeouts.firstByteMs} ms (timeouts.first_byte_ms)`, { phase: 'first_byte', retryable: true });
      case 'cut':
      case null:
        return;
      default: {
        const never: never = plan.fault;
        throw new Error(`unknown mock fault ${String(never)}`);
      }
    }
  }

  /** Non-streamed: like a real upstream, the headers come only once the whole answer is generated. */
  async #complete(
    call: UpstreamCall,
    plan: MockPlan,
    gen: Generation,
    usage: Usage | null,
    meta: { id: string; created: number; model: string; startedAt: number; signals: CallSignal[] },
  ): Promise<UpstreamReply> {
    const { contender } = call;
    const total = plan.ttftMs + durationMs(gen.completionTokens, plan.tokensPerS);
    if (plan.fault === 'cut') {
      if (!(await sleep(total / 2, ...meta.signals))) throw aborted(contender, 'first_byte');
      throw new UpstreamError('upstream_error', `${contender.name}: connection closed before the body was complete (simulated)`, { phase: 'first_byte', retryable: true });
    }
    if (!(await sleep(total, ...meta.signals))) throw aborted(contender, 'first_byte');
    const bytes = Buffer.from(completionJson({ ...meta, answer: gen.answer, reasoning: gen.reasoning, finishReason: gen.finishReason, usage }));
    const outcome: CallOutcome = {
      ok: true,
      usage,
      finishReason: gen.finishReason,
      ttftMs: performance.now() - meta.startedAt,
      text: call.captureText || usage === null ? gen.answer : null,
      error: null,
    };
    return { status: 200, contentType: 'application/json', body: onceBody(bytes), outcome: Promise.resolve(outcome) };
  }
}

/** Embeddings (see ./embeddings.ts): simulated vectors after the profile's latency and faults. */
function embeddingsReply(enc: Awaited<ReturnType<typeof loadEncoding>>, call: UpstreamCall, request: Record<string, unknown>, startedAt: number): UpstreamReply {
  const model = typeof request.model === 'string' ? request.model : call.contender.model;
  const reports = call.contender.mock!.report_usage;
  const { json, promptTokens } = embeddingsJson(enc, request, model, reports);
  const usage: Usage | null = reports ? { promptTokens, completionTokens: 0, reasoningTokens: 0, cachedTokens: 0, estimated: false } : null;
  const outcome: CallOutcome = { ok: true, usage, finishReason: null, ttftMs: performance.now() - startedAt, text: null, error: null };
  return { status: 200, contentType: 'application/json', body: onceBody(Buffer.from(json)), outcome: Promise.resolve(outcome) };
}

function aborted(contender: Contender, phase: 'connect' | 'first_byte'): UpstreamError {
  return new UpstreamError('upstream_timeout', `${contender.name}: call aborted`, { phase, retryable: false });
}

/** Every in-flight call listens on this signal, so its listener count is the concurrency, not a leak. */
function closingController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
