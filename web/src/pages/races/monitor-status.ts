/**
 * Reads the race monitor's status (the `monitor` field of GET /admin/races/:name: `{ ok, at, assessment }` with
 * the policy's RaceAssessment, or `{ ok: false, error }`) into one chip per metric of a challenger: harm
 * (significant: rollback), better (significant superiority), within margin (significant non-inferiority),
 * inconclusive, or too few samples to test yet. The monitor owns the shape, so it is read loosely: a field that is
 * missing or of another type is skipped, never trusted.
 */
import type { Translate } from '../../i18n/i18n-context.js';

export type TestState = 'harm' | 'better' | 'ok' | 'inconclusive' | 'waiting';
export type Tone = 'ok' | 'bad' | 'info';

export interface MetricChip {
  metric: string;
  state: TestState;
  tone: Tone;
  /** The numbers behind the chip, for its tooltip. */
  title: string;
}

export interface ChallengerMonitor {
  chips: MetricChip[];
  /** The policy's plain-words note: what it waits for, or what it did. */
  note: string | null;
  /** The note as a code and its numbers (`why`), for the page's language; read loosely by reason-text.ts. */
  why: unknown;
  /** The monitor's last tick of this race failed. */
  error: string | null;
}

/** The assessment inside a monitor status (older shapes put it at the top level). */
function assessmentOf(monitor: Obj): Obj {
  return isObj(monitor.assessment) ? monitor.assessment : monitor;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function significant(t: unknown): boolean {
  return isObj(t) && t.significant === true;
}

function p(v: unknown): string {
  const x = isObj(v) ? num(v.pValue) : null;
  return x === null ? '—' : x < 0.001 ? x.toExponential(1) : x.toFixed(3);
}

/** `t` names the numbers of the chip's tooltip in the page's language (English without it). */
export function metricChip(m: Obj, t?: Translate): MetricChip | null {
  if (typeof m.metric !== 'string' || m.available === false) return null;
  // No test at all yet: the monitor tests a metric only from a minimum sample per arm (30).
  const untested = m.harm === null && m.nonInferior === null;
  const state: TestState = untested ? 'waiting' : significant(m.harm) ? 'harm' : significant(m.superior) ? 'better' : significant(m.nonInferior) ? 'ok' : 'inconclusive';
  const tone: Tone = state === 'harm' ? 'bad' : state === 'ok' || state === 'better' ? 'ok' : 'info';
  const effect = num(m.effect);
  const n = (side: unknown) => (isObj(side) ? (num(side.n) ?? '?') : '?');
  const vars = { effect: effect === null ? '—' : effect.toPrecision(3), harm: p(m.harm), ni: p(m.nonInferior), n1: n(m.champion), n2: n(m.challenger) };
  const superior = m.superior ? (t ? t('races.chip.superior', { p: p(m.superior) }) : ` · superior p ${p(m.superior)}`) : '';
  const title = t
    ? t('races.chip.title', { ...vars, superior })
    : `effect ${vars.effect} · harm p ${vars.harm} · non-inferior p ${vars.ni}${superior} · n ${vars.n1}/${vars.n2}`;
  return { metric: m.metric, state, tone, title };
}

/** null when no monitor runs in this gateway; chips empty while it has nothing to say about the challenger. */
export function challengerMonitor(monitor: unknown, contender: string, t?: Translate): ChallengerMonitor | null {
  if (!isObj(monitor)) return null;
  if (monitor.ok === false) return { chips: [], note: null, why: null, error: typeof monitor.error === 'string' ? monitor.error : 'monitor error' };
  const a = assessmentOf(monitor);
  const list = Array.isArray(a.challengers) ? a.challengers : [];
  const entry = list.find((c): c is Obj => isObj(c) && c.contender === contender);
  if (!entry) return { chips: [], note: null, why: null, error: null };
  const metrics = Array.isArray(entry.metrics) ? entry.metrics : [];
  const chips = metrics.flatMap((m) => (isObj(m) ? (metricChip(m, t) ?? []) : []));
  return { chips, note: typeof entry.note === 'string' ? entry.note : null, why: entry.why ?? null, error: null };
}

/** A race-level warning from the monitor: ramping blocked (a sample-ratio mismatch, a frozen race). */
export function monitorBlocked(monitor: unknown): string | null {
  if (!isObj(monitor)) return null;
  const a = assessmentOf(monitor);
  return typeof a.blocked === 'string' && a.blocked !== '' ? a.blocked : null;
}

/** The policy the monitor applied (`canary`, `gate`, `bandit`), or null. */
export function monitorPolicy(monitor: unknown): string | null {
  if (!isObj(monitor)) return null;
  const a = assessmentOf(monitor);
  return typeof a.policy === 'string' ? a.policy : null;
}
