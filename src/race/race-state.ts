/**
 * A race's live state: who is champion, which challengers race at what weight, since when. The store row is the
 * truth (the config only seeds it on first start), so manual changes and the monitor's decisions survive restarts
 * and reach every replica. Its schema is `race-state-schema.ts`.
 */
import type { Race } from '../config/types.js';
import type { ChallengerState, RaceState } from './race-state-schema.js';

export type { ChallengerState, RaceState } from './race-state-schema.js';

export function seedState(race: Race, now: number): RaceState {
  return {
    champion: race.champion,
    championSince: now,
    // Under a gate policy a challenger gets no traffic until its launch gate has passed.
    challengers: race.challengers.map((c) => ({ contender: c.contender, weight: c.weight, since: now, status: race.policy.type === 'gate' ? 'waiting_gate' : 'active', step: 0 })),
    frozen: null,
    spendSince: null,
  };
}

/** Start of the window the extra-spend cap counts over. */
export function spendWindowStart(state: RaceState): number {
  return state.spendSince ?? state.championSince;
}

/** The ordinal a challenger's next evidence window gets when its weight changes now. */
export function nextWindow(c: ChallengerState): number {
  // A challenger still waiting for its gate was never tested: its first window is still to come.
  return c.status === 'waiting_gate' ? (c.window ?? 1) : (c.window ?? 1) + 1;
}

/** The start and ordinal of the window a bandit's harm tests watch for `c`: its current stint. */
export function stintOf(c: ChallengerState): { since: number; window: number } {
  return { since: c.stintSince ?? c.since, window: c.stintWindow ?? c.window ?? 1 };
}

/** A change made by hand or a ramp ends a bandit stint: the next one starts with the window it opens. */
export function endStint(c: ChallengerState): void {
  delete c.stintSince;
  delete c.stintWindow;
}

/** Weights that route traffic: challengers not active get none. */
export function routedChallengers(state: RaceState): Array<{ contender: string; weight: number }> {
  return state.challengers.map((c) => ({ contender: c.contender, weight: c.status === 'active' ? c.weight : 0 }));
}
