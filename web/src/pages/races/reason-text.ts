/**
 * The monitor's reasons in the page's language. A monitor decision stores its reason as a code with the numbers of
 * its English text (`details.reason_code`, `details.reason_params`), and each note of the assessment carries one
 * under `why` (src/race/policies/reasons.ts); a Chinese page says them with its dictionary. The English page shows
 * the monitor's own text, word for word what the API, the CLI and the logs say. A decision from before the codes
 * existed, a manual change (its reason is what a person typed) or a code this page does not know shows the stored
 * text in every language.
 */
import type { Decision } from '../../api/types.js';
import type { MessageKey } from '../../i18n/en.js';
import type { Lang, Translate } from '../../i18n/translate.js';

export interface ReasonCode {
  code: string;
  params: Record<string, string | number>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const CODES = new Set([
  'guardrail_broken', 'ramp', 'promote', 'hold_leaning', 'hold_room', 'gate_passed', 'bandit_reweight', 'bandit_quiet', 'srm', 'spend_cap',
  'blocked_frozen', 'blocked_spend', 'blocked_srm',
  'note_status', 'note_racing', 'note_blocked', 'note_next_step', 'note_next_tick', 'note_ramping', 'note_last_samples', 'note_last_waiting',
  'note_promoting_next_tick', 'note_promoted', 'note_gate_policy', 'note_gate_none', 'note_gate_failed', 'note_gate_blocked', 'note_gate_next_tick',
  'note_gate_room', 'note_gate_entering',
]);
const METRICS = new Set(['error_rate', 'p95_latency', 'ttft', 'cost_per_request', 'feedback', 'judge_win_rate']);
const STATUSES = new Set(['active', 'rolled_back', 'waiting_gate', 'retired']);

/** A code read loosely: the monitor owns the shape. */
export function reasonCode(v: unknown): ReasonCode | null {
  if (!isObj(v) || typeof v.code !== 'string' || !CODES.has(v.code)) return null;
  const params: ReasonCode['params'] = {};
  if (isObj(v.params)) for (const [k, x] of Object.entries(v.params)) if (typeof x === 'string' || typeof x === 'number') params[k] = x;
  return { code: v.code, params };
}

export function metricName(metric: string, t: Translate): string {
  return METRICS.has(metric) ? t(`metric.${metric}` as MessageKey) : metric;
}

const metricList = (list: string | number | undefined, t: Translate) =>
  String(list ?? '').split(',').filter(Boolean).map((m) => metricName(m, t)).join(t('reason.listSep'));

/** The reason in the page's language; null in English or when the code is unknown (the caller shows the stored text). */
export function sayReason(why: ReasonCode | null, t: Translate, lang: Lang, frozenText?: string | null): string | null {
  if (!why || lang === 'en' || !CODES.has(why.code)) return null;
  const p = why.params;
  const vars: Record<string, string | number> = { ...p };
  switch (why.code) {
    case 'guardrail_broken':
    case 'promote':
    case 'bandit_reweight':
    case 'bandit_quiet':
      vars.metric = metricName(String(p.metric ?? ''), t);
      break;
    case 'hold_leaning':
      vars.metrics = metricList(p.metrics, t);
      break;
    case 'note_status': {
      const status = String(p.status ?? '');
      return STATUSES.has(status) ? t(`races.status.${status}` as MessageKey) : status.replace('_', ' ');
    }
    case 'blocked_frozen':
      vars.reason = frozenText ?? String(p.reason ?? '');
      break;
    case 'note_blocked':
    case 'note_gate_blocked':
      vars.blocked = sayReason(reasonCode({ code: p.blocked, params: { reason: p.reason ?? '' } }), t, lang, frozenText) ?? String(p.reason ?? '');
      break;
    case 'note_last_waiting': {
      const waits = [
        ...(p.metric ? [t('reason.waitBetter', { metric: metricName(String(p.metric), t), p: p.p === undefined || p.p === 'n/a' ? '—' : p.p })] : []),
        ...(p.pending ? [t('reason.waitMargins', { metrics: metricList(p.pending, t) })] : []),
      ];
      vars.waits = waits.join(t('reason.and'));
      break;
    }
  }
  return t(`reason.${why.code}` as MessageKey, vars);
}

/** A decision's reason in the page's language, or its stored text. */
export function decisionReason(d: Decision, t: Translate, lang: Lang): string | null {
  const details = isObj(d.details) ? d.details : null;
  const why = details ? reasonCode({ code: details.reason_code, params: details.reason_params }) : null;
  return sayReason(why, t, lang) ?? d.reason;
}

/** Why a race is frozen: the latest freeze decision's reason in the page's language, else the stored text. */
export function frozenReason(frozen: string, decisions: readonly Decision[], t: Translate, lang: Lang): string {
  const freeze = decisions.find((d) => d.action === 'freeze' && d.reason === frozen);
  return freeze ? (decisionReason(freeze, t, lang) ?? frozen) : frozen;
}
