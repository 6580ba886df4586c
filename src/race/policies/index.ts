/** Race policies: pure decisions from state and evidence, shared by the race monitor and `saima simulate`. */
export { decide, emptyMemory, remember } from './decide.js';
export { applyPolicyChange } from './apply-change.js';
export { fixedHorizonInterval, sequentialInterval } from './interval-methods.js';
export { METRICS, MIN_TEST_SAMPLES } from './metrics.js';
export { windowCount, windowShare } from './guard.js';
export { assignmentSince } from './race-checks.js';
export type {
  ChallengerAssessment, IntervalMethod, MetricAssessment, MetricName, PolicyChange, PolicyInput, PolicyMemory,
  RaceAssessment, TestOutcome, Verdict,
} from './types.js';
