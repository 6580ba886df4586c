/**
 * The schema of a race's stored state (`race-state.ts`), apart from the state's helpers: the race monitor's evidence
 * thread uses those helpers and would otherwise load zod (~3 MB of heap in every thread that imports it) for a schema
 * it never checks.
 */
import { z } from 'zod';

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
