/**
 * How fast the story unfolds. Only time is compressed in `--fast`: the simulated profiles are the same, users just
 * arrive faster and the race policy looks and steps sooner. Every value here overrides examples/demo.yaml.
 */
export interface Pacing {
  /** Simulated user requests per second. */
  rps: number;
  /** Blind arena matches simulated users vote on before traffic starts. */
  arenaVotes: number;
  monitorIntervalMs: number;
  minSamples: number;
  minStepS: number;
  /** Confidence-sequence N*: the total requests at which the bounds are tightest. */
  tuning: number;
}

export const NORMAL: Pacing = { rps: 15, arenaVotes: 120, monitorIntervalMs: 2000, minSamples: 60, minStepS: 20, tuning: 2000 };

export const FAST: Pacing = { rps: 110, arenaVotes: 40, monitorIntervalMs: 500, minSamples: 40, minStepS: 5, tuning: 1000 };
