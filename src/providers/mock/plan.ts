/**
 * What one simulated call will do, drawn before anything happens: a fault or not, the delays with jitter
 * applied, and the scripted answer. Draws come from one random source in a fixed order (fault, fault kind,
 * then the three jitters), so a seeded sequence of calls replays exactly.
 */
import type { MockProfile } from '../../config/schema.js';
import { UpstreamError } from '../upstream-error.js';
import { contentText } from './tokens.js';

export type MockFault = MockProfile['error_kinds'][number];

export interface MockPlan {
  fault: MockFault | null;
  latencyMs: number;
  ttftMs: number;
  /** Tokens per second; 0 sends everything at once. */
  tokensPerS: number;
  answer: string;
  reasoning: string | null;
}

const compiled = new WeakMap<MockProfile, Array<RegExp | null>>();

export function planCall(profile: MockProfile, body: Record<string, unknown>, random: () => number): MockPlan {
  let fault: MockFault | null = null;
  if (profile.error_rate > 0 && random() < profile.error_rate) {
    fault = profile.error_kinds[Math.floor(random() * profile.error_kinds.length)] ?? profile.error_kinds[0] ?? 'http_500';
  }
  const spread = (v: number): number => (profile.jitter > 0 ? Math.max(0, v * (1 + profile.jitter * (2 * random() - 1))) : v);
  return {
    fault,
    latencyMs: spread(profile.latency_ms),
    ttftMs: spread(profile.ttft_ms),
    tokensPerS: spread(profile.tokens_per_s),
    answer: pickAnswer(profile, lastUserText(body)),
    reasoning: profile.reasoning ?? null,
  };
}

/** The first `answers` entry whose `match` finds the text (an entry without `match` always matches). */
export function pickAnswer(profile: MockProfile, text: string): string {
  let regexes = compiled.get(profile);
  if (!regexes) {
    regexes = profile.answers.map((a, i) => (a.match === undefined ? null : compile(a.match, i)));
    compiled.set(profile, regexes);
  }
  for (let i = 0; i < profile.answers.length; i++) {
    const re = regexes[i];
    if (re === null || re === undefined || re.test(text)) return profile.answers[i]!.answer;
  }
  return profile.default_answer;
}

function compile(source: string, index: number): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new UpstreamError('upstream_error', `mock answers[${index}].match is not a valid regular expression`, { phase: 'connect', retryable: false });
  }
}

export function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (m && m.role === 'user') return contentText(m.content);
  }
  return '';
}
