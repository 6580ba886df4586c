/**
 * A race's live state: who is champion, which challengers race at what weight, since when. The store row is the
 * truth (the config only seeds it on first start), so manual changes and the monitor's decisions survive restarts
 * and reach every replica.
 */
import { z } from 'zod';
import type { Race } from '../config/types.js';

export const ChallengerStateSchema = z.object({
  contender: z.string(),
  /** Percent of traffic. */
  weight: z.number().min(0).max(100),
  /** When the challenger's current evidence window began (entered the race or last weight change), epoch ms. */
  since: z.number(),
  status: z.enum(['active', 'rolled_back', 'waiting_gate', 'retired']),
  /** Index into the race's ramp schedule. */
  step: z.number().int().min(0).default(0),
  /**
   * Ordinal of the challenger's current evidence window (1, or absent, for its first): every weight change opens a
   * new one, and each window's harm tests get their own share of α (`policies/guard.ts`), so no number of them can
   * spend more than α in total.
   */
  window: z.number().int().min(1).optional(),
  /**
   * Bandit only: when the challenger's current stint began (it entered the race, or came back after a manual
   * change) and the ordinal of the window it began in. A bandit's re-weights move `since`/`window` (allocation
   * epochs) but not these: its harm tests watch the whole stint (`policies/guard.ts`). Absent: the stint began at
   * `since`, in window `window`.
   */
  stintSince: z.number().optional(),
  stintWindow: z.number().int().min(1).optional(),
});

export const RaceStateSchema = z.object({
  champion: z.string(),
  championSince: z.number(),
  challengers: z.array(ChallengerStateSchema),
  /** Ramping is frozen (e.g. the challengers' extra-spend cap was reached); rollbacks still happen. */
  frozen: z.string().nullable().default(null),
  /**
   * Where the extra-spend count starts when not at `championSince`: an unfreeze starts a fresh count, or the
   * spend that froze the race would freeze it again at the next tick. A promotion clears it.
   */
  spendSince: z.number().nullable().default(null),
});

export type ChallengerState = z.infer<typeof ChallengerStateSchema>;
export type RaceState = z.infer<typeof RaceStateSchema>;

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
