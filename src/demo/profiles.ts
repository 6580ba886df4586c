/**
 * The demo's simulated cast, in one place: how each `mock` contender answers the example suite, and how simulated
 * users feel about its answers. These numbers are the *inputs* of the demo; everything shown on the dashboard
 * (scores, gaming gap, gate verdicts, error rates, feedback means, decisions, leaderboard) is measured from them by
 * the same code that measures real models. docs/demo.md explains the story they tell.
 */

export interface DemoProfile {
  /** Contender name in examples/demo.yaml. */
  contender: string;
  /** Who it plays in the story. */
  role: string;
  /** Share of the suite's published items it answers right. */
  originalAccuracy: number;
  /** Share of their twins (same problems, changed surface) it answers right. */
  twinAccuracy: number;
  /** Chance a simulated user who rates an answer gives a thumbs up (else a thumbs down). */
  thumbsUp: number;
}

export const DEMO_RACE = 'assistant';

export const PROFILES: readonly DemoProfile[] = [
  // The cheap model serving today: mediocre everywhere, honest about it.
  { contender: 'small-model', role: 'champion: the cheap model serving today', originalAccuracy: 0.6, twinAccuracy: 0.58, thumbsUp: 0.55 },
  // Tuned on the public benchmark: near-perfect on its items, much worse once their surface changes.
  // Its serving stack also cuts 5% of streams (the error rate is in examples/demo.yaml, on the mock profile).
  { contender: 'house-model', role: 'challenger: in-house, tuned to the public benchmark', originalAccuracy: 0.97, twinAccuracy: 0.45, thumbsUp: 0.6 },
  // Slightly lower on paper, the same on fresh variants, and users like it more.
  { contender: 'outside-model', role: 'challenger: an outside model', originalAccuracy: 0.9, twinAccuracy: 0.88, thumbsUp: 0.8 },
];

export function profileOf(contender: string): DemoProfile | undefined {
  return PROFILES.find((p) => p.contender === contender);
}

/** Share of answers simulated users rate at all; most people never click a thumb. */
export const RATED_SHARE = 0.5;
