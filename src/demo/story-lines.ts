/** The demo's printed lines for the seeded evals and gate verdicts: the numbers a newcomer should notice. */
import type { ContenderReport } from '../eval/report.js';
import type { GateOutcome } from './seed-evals.js';

export function fmtSeconds(s: number): string {
  return `${s.toFixed(1).padStart(6)}s`;
}

export function scoreLine(c: ContenderReport): string {
  const score = c.score.score;
  const gap = c.gap.all;
  return `${c.contender.padEnd(14)} originals ${score.value.toFixed(1)} [${score.lower.toFixed(1)}, ${score.upper.toFixed(1)}] · twins ${c.twinAccuracy?.toFixed(1) ?? '—'} · gap ${gap ? `${gap.gap >= 0 ? '+' : ''}${gap.gap.toFixed(1)} pts` : '—'} · ${c.verdict.status}`;
}

export function gateLine(g: GateOutcome): string {
  if (g.passed) return `gate ${g.challenger}: passed`;
  return `gate ${g.challenger}: FAILED — ${g.failed.map((c) => `${c.check}: ${c.message}`).join('; ')}`;
}
