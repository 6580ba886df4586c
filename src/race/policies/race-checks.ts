/**
 * Race-wide checks every automatic policy runs before it adds traffic anywhere:
 *  - sample-ratio mismatch: the always-valid multinomial test (Lindon & Malek; `sequentialSrmTest`) of the
 *    assignment units since the last weight change against the routed weights, flagged when its Bayes factor
 *    reaches 1000 (p ≤ 0.001, GrowthBook's threshold, but valid at every tick rather than at one look), with at
 *    least 8 units per arm. A flagged split means assignment or logging is broken, so comparisons are biased:
 *    ramps, promotions and re-weights wait; rollbacks still happen, because taking traffic away is always safe.
 *  - extra spend: Σ over challengers of (their cost − the champion's cost per request × their requests) since the
 *    champion took over, in CNY. Past `max_extra_spend` the race is frozen: no ramp, promotion or re-weight until
 *    someone unfreezes it; rollbacks still happen.
 */
import { sequentialSrmTest } from '../../stats/index.js';
import { spendWindowStart } from '../race-state.js';
import type { PolicyChange, PolicyInput, RaceAssessment } from './types.js';
import { reasonOf, sampleRatioMismatch, spendCap } from './reasons.js';

const MIN_SRM_UNITS = 8;

/** The start of the window in which every weight of the race has been constant. */
export function assignmentSince(input: Pick<PolicyInput, 'state'>): number {
  let since = input.state.championSince;
  for (const c of input.state.challengers) since = Math.max(since, c.since);
  return since;
}

export function checkSrm(input: PolicyInput): { srm: RaceAssessment['srm']; change: PolicyChange | null } {
  const a = input.evidence.assignment;
  const since = assignmentSince(input);
  // A bandit moves weights every few minutes without opening a new window; its split is not tested.
  if (input.race.policy.type === 'bandit' || !a || a.since !== since) return { srm: null, change: null };
  const arms: Array<{ contender: string; weight: number }> = [];
  let challengers = 0;
  for (const c of input.state.challengers) {
    if (c.status === 'active' && c.weight > 0) {
      arms.push({ contender: c.contender, weight: c.weight });
      challengers += c.weight;
    }
  }
  if (challengers < 100) arms.push({ contender: input.state.champion, weight: 100 - challengers });
  const live = arms;
  const units = live.map((x) => a.units.get(x.contender) ?? 0);
  if (live.length < 2 || units.some((u) => u < MIN_SRM_UNITS)) return { srm: null, change: null };
  const r = sequentialSrmTest(units, live.map((x) => x.weight));
  const byArm: Record<string, number> = {};
  for (let i = 0; i < live.length; i++) byArm[live[i]!.contender] = units[i]!;
  const srm = { since, pValue: r.pValue, logBayesFactor: r.logBayesFactor, chiSquare: r.chiSquare, flagged: r.flagged, units: byArm };
  if (!r.flagged || input.memory.srmAlertedSince === since) return { srm, change: null };
  const expected = live.map((x) => `${x.contender} ${x.weight}%`).join(' / ');
  return {
    srm,
    change: {
      kind: 'srm-alert',
      since,
      ...reasonOf(sampleRatioMismatch(units.join(' / '), expected, Math.exp(r.logBayesFactor).toPrecision(2), r.pValue.toPrecision(2), r.chiSquare.toFixed(1))),
      details: { test: 'srm', ...srm, weights: Object.fromEntries(live.map((x) => [x.contender, x.weight])) },
    },
  };
}

export function checkSpend(input: PolicyInput): { spend: RaceAssessment['spend']; change: PolicyChange | null } {
  const cap = input.race.policy.max_extra_spend;
  const since = spendWindowStart(input.state);
  const window = input.evidence.windows.get(since);
  if (!cap || !window) return { spend: null, change: null };
  const capCny = cap.amount * input.fx[cap.currency];
  const champion = window.get(input.state.champion);
  const perRequest = champion && champion.cost.n > 0 ? champion.cost.sum / champion.cost.n : null;
  let extra = 0;
  if (perRequest !== null) {
    for (const arm of window.values()) if (arm.contender !== input.state.champion) extra += arm.cost.sum - arm.cost.n * perRequest;
  }
  const spend = { extra, cap: capCny, currency: 'CNY' as const };
  if (input.state.frozen || extra <= capCny) return { spend, change: null };
  return {
    spend,
    change: {
      kind: 'freeze',
      ...reasonOf(spendCap(extra.toFixed(4), capCny.toFixed(4))),
      details: { test: 'max_extra_spend', extraCny: extra, capCny, cap, championCostPerRequest: perRequest, since },
    },
  };
}
