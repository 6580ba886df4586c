/**
 * Turns a policy change into a state transition and its decision, against the state as it is *now* in the
 * store: a change judged on a window that has moved since (someone set a weight, another replica acted) is
 * dropped, and the next tick judges again.
 */
import { promote, ramp, rollback } from '../race-control.js';
import { nextWindow, stintOf, type RaceState } from '../race-state.js';
import type { Change } from '../race-states.js';
import { withReason } from './reasons.js';
import type { PolicyChange } from './types.js';

export function applyPolicyChange(state: RaceState, change: PolicyChange, now: number): Change | null {
  // The decision keeps the reason's code beside its statistics, so a page can say it in its own language.
  const details = withReason(change.details, change.why);
  const decision = (action: string, contender: string | null) => ({ action, contender, reason: change.reason, details, actor: null });
  switch (change.kind) {
    case 'rollback':
    case 'ramp':
    case 'promote': {
      const c = state.challengers.find((x) => x.contender === change.contender);
      if (!c || c.status !== 'active' || c.since !== change.since) return null;
      if (change.kind === 'rollback') return rollback(state, change.contender, change.reason, null, now, true, details);
      if (change.kind === 'ramp') return ramp(state, change.contender, change.to, change.step, change.reason, details, now);
      const done = promote(state, change.contender, change.reason, null, now, true);
      return { state: done.state, decision: { ...done.decision, details: { ...details, previousChampion: (done.decision.details as { previousChampion?: string }).previousChampion } } };
    }
    case 'activate': {
      const c = state.challengers.find((x) => x.contender === change.contender);
      if (!c || c.status !== 'waiting_gate') return null;
      return ramp(state, change.contender, change.to, change.step, change.reason, details, now);
    }
    case 'reweight': {
      for (const w of change.weights) {
        const c = state.challengers.find((x) => x.contender === w.contender);
        if (!c || c.status !== 'active') return null;
        // A re-weight opens a new allocation epoch (`since`, `window`) but not a new stint: the bandit's harm tests
        // keep watching every user the challenger has had since it entered (see `policies/guard.ts`).
        if (c.weight !== w.weight) Object.assign(c, { weight: w.weight, since: now, window: nextWindow(c), stintSince: stintOf(c).since, stintWindow: stintOf(c).window });
      }
      if (state.challengers.filter((x) => x.status === 'active').reduce((s, x) => s + x.weight, 0) > 100) return null;
      return { state, decision: decision('ramp', null) };
    }
    case 'freeze':
      if (state.frozen) return null;
      state.frozen = change.reason;
      return { state, decision: decision('freeze', null) };
    case 'srm-alert':
      return { state, decision: decision('srm-alert', null) };
    case 'hold': {
      const c = state.challengers.find((x) => x.contender === change.contender);
      if (!c || c.since !== change.since) return null;
      return { state, decision: decision('hold', change.contender) };
    }
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}
