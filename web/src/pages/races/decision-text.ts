/** How a decision reads in the chart tooltip and the decisions table, in either language. */
import type { Decision } from '../../api/types.js';
import type { MessageKey } from '../../i18n/en.js';
import type { Translate } from '../../i18n/i18n-context.js';

/** Keys a manual change records, named in the page's language in a pin's tooltip. */
const DETAIL_KEYS = ['from', 'to', 'weight', 'previousChampion', 'wasFrozen', 'spendCountedFrom'];

/** A manual change's recorded numbers, one `name: value` line each, with the names in the page's language. */
export function changeLines(details: unknown, t: Translate): string[] {
  return detailLines(details).map((line) => {
    const at = line.indexOf(': ');
    const key = at < 0 ? '' : line.slice(0, at);
    return DETAIL_KEYS.includes(key) ? `${t(`races.detail.${key}` as MessageKey)}: ${line.slice(at + 2)}` : line;
  });
}

const KNOWN = ['rollback', 'ramp', 'promote', 'hold', 'manual', 'freeze', 'srm-alert'];
const CHANGES = ['set-weight', 'promote', 'rollback'];

/** The action, with a manual change's kind (set-weight, promote, rollback) when it recorded one. */
export function decisionLabel(d: Decision, t: Translate): string {
  const action = KNOWN.includes(d.action) ? t(`races.decision.${d.action}` as MessageKey) : d.action;
  const change = typeof d.details === 'object' && d.details !== null ? (d.details as Record<string, unknown>).change : undefined;
  if (d.action !== 'manual' || typeof change !== 'string') return action;
  return `${action}: ${CHANGES.includes(change) ? t(`races.change.${change}` as MessageKey) : change}`;
}

export function decisionColor(d: Decision): string {
  const change = typeof d.details === 'object' && d.details !== null ? (d.details as Record<string, unknown>).change : undefined;
  const kind = d.action === 'manual' && typeof change === 'string' ? change : d.action;
  if (kind === 'rollback') return '#dc2626';
  if (kind === 'promote') return '#16a34a';
  if (kind === 'ramp' || kind === 'set-weight') return '#2563eb';
  return '#6b7280';
}

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(4).replace(/0+$/, '');
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '—';
  return JSON.stringify(v);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A monitor test as one line: the effect and the p-values of its harm and non-inferiority tests. */
function testLine(m: Obj): string {
  const pv = (t: unknown) => (isObj(t) && typeof t.pValue === 'number' ? show(t.pValue) : '—');
  const sig = isObj(m.harm) && m.harm.significant === true ? ' HARM' : '';
  return `${String(m.metric)}: effect ${show(m.effect)}, harm p ${pv(m.harm)}, non-inferior p ${pv(m.nonInferior)}${sig}`;
}

/**
 * The decision's recorded numbers, one `path: value` line each: nested objects flattened, the monitor's tests one
 * line per metric, epoch-millisecond times (`since`, `ts`, `at`) as ISO times; at most 16 lines.
 */
export function detailLines(details: unknown, prefix = ''): string[] {
  if (!isObj(details)) return details === null || details === undefined ? [] : [`${prefix || 'value'}: ${show(details)}`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    // `change` is shown as the action; `key` is the monitor's own memory of a hold, not evidence; the reason's code
    // is shown as the reason.
    if (k === 'change' || k === 'key' || k === 'reason_code' || k === 'reason_params') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v) && v.every((m) => isObj(m) && typeof m.metric === 'string')) out.push(...(v as Obj[]).filter((m) => m.available !== false).map(testLine));
    else if (isObj(v)) out.push(...detailLines(v, path));
    else if ((k === 'since' || k === 'ts' || k === 'at') && typeof v === 'number' && v > 1e12) out.push(`${path}: ${new Date(v).toISOString().slice(0, 19).replace('T', ' ')}`);
    else out.push(`${path}: ${show(v)}`);
  }
  return out.slice(0, 16);
}
