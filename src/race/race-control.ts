/**
 * Manual race changes — set a challenger's weight, promote it, roll it back, unfreeze the race — as pure state
 * transitions with the decision that records them. Every manual change needs a reason and names its actor.
 */
import type { Config } from '../config/types.js';
import { SaimaError } from '../errors.js';
import { endStint, nextWindow, type RaceState } from './race-state.js';
import type { Change } from './race-states.js';

function requireReason(reason: string | undefined): string {
  if (!reason || reason.trim().length < 3) throw new SaimaError('missing_required_parameter', 'A manual change needs a reason (at least 3 characters).', 'reason');
  return reason.trim();
}

function challenger(state: RaceState, contender: string) {
  const c = state.challengers.find((x) => x.contender === contender);
  if (!c) throw new SaimaError('not_found', `'${contender}' is not a challenger in this race.`, 'contender');
  return c;
}

export function setWeight(state: RaceState, config: Config, contender: string, weight: number, reason: string | undefined, actor: string | null, now: number): Change {
  const why = requireReason(reason);
  if (!Number.isFinite(weight) || weight < 0 || weight > 100) throw new SaimaError('invalid_value', 'weight must be a percentage from 0 to 100.', 'weight');
  if (contender === state.champion) throw new SaimaError('invalid_value', 'The champion takes whatever the challengers leave; set the challengers instead.', 'contender');
  if (!config.contenders.has(contender)) throw new SaimaError('not_found', `No contender named '${contender}'.`, 'contender');
  let c = state.challengers.find((x) => x.contender === contender);
  const before = c?.weight ?? 0;
  const added = !c;
  if (!c) {
    c = { contender, weight, since: now, status: 'active', step: 0 };
    state.challengers.push(c);
  }
  const others = state.challengers.filter((x) => x !== c && x.status === 'active').reduce((s, x) => s + x.weight, 0);
  if (others + weight > 100) throw new SaimaError('invalid_value', `Challenger weights would add up to ${others + weight}%, more than 100.`, 'weight');
  // A new window, unforeseen by the ramp: it takes its α from the share kept for such windows.
  const window = added ? 1 : nextWindow(c);
  endStint(c);
  Object.assign(c, { weight, since: now, status: 'active' as const, ...(window > 1 ? { window } : {}) });
  return { state, decision: { action: 'manual', contender, reason: why, details: { change: 'set-weight', from: before, to: weight }, actor } };
}

export function promote(state: RaceState, contender: string, reason: string | undefined, actor: string | null, now: number, auto = false): Change {
  const why = auto ? (reason ?? 'promoted') : requireReason(reason);
  const c = challenger(state, contender);
  const old = state.champion;
  state.champion = contender;
  state.championSince = now;
  state.spendSince = null;
  state.challengers = state.challengers.filter((x) => x !== c);
  state.challengers.push({ contender: old, weight: 0, since: now, status: 'retired', step: 0 });
  return { state, decision: { action: auto ? 'promote' : 'manual', contender, reason: why, details: { change: 'promote', previousChampion: old, weight: c.weight }, actor } };
}

export function rollback(state: RaceState, contender: string, reason: string | undefined, actor: string | null, now: number, auto = false, details: unknown = null): Change {
  const why = auto ? (reason ?? 'rolled back') : requireReason(reason);
  const c = challenger(state, contender);
  const before = c.weight;
  endStint(c);
  Object.assign(c, { weight: 0, status: 'rolled_back' as const, since: now });
  return {
    state,
    decision: { action: auto ? 'rollback' : 'manual', contender, reason: why, details: details ?? { change: 'rollback', from: before }, actor },
  };
}

/**
 * Lifts a freeze (the extra-spend cap, or any other): ramps and promotions may resume. The extra-spend count
 * starts over from now, so a race frozen by its cap is not frozen again by the same spend at the next tick; the
 * cap then bounds what challengers cost beyond the champion from this moment on.
 */
export function unfreeze(state: RaceState, reason: string | undefined, actor: string | null, now: number): Change {
  const why = requireReason(reason);
  if (!state.frozen) throw new SaimaError('invalid_value', 'This race is not frozen.', 'race');
  const was = state.frozen;
  state.frozen = null;
  state.spendSince = now;
  return { state, decision: { action: 'manual', contender: null, reason: why, details: { change: 'unfreeze', wasFrozen: was, spendCountedFrom: now }, actor } };
}

/**
 * The race monitor moves a challenger to a new weight: the next ramp step, or its configured weight once its
 * launch gate passed. A new evidence window starts (`since`), because the split changed.
 */
export function ramp(state: RaceState, contender: string, weight: number, step: number, reason: string, details: unknown, now: number): Change {
  const c = challenger(state, contender);
  const before = c.weight;
  const window = nextWindow(c);
  endStint(c);
  Object.assign(c, { weight, step, since: now, status: 'active' as const, ...(window > 1 ? { window } : {}) });
  return { state, decision: { action: 'ramp', contender, reason, details: details ?? { change: 'ramp', from: before, to: weight }, actor: null } };
}
