/**
 * Public surface of `stats`: pure functions, no I/O, no imports from the rest of Saima. Effects are always
 * treatment (challenger) minus control (champion). Arena statistics (Bradley–Terry, bootstrap) live beside these.
 */
export * from './distributions.js';
export { estimateEffect, isInformative, meanStats } from './means.js';
export type { Alternative, ArmStats, Effect, EffectScale } from './means.js';
export { proportionEffect, proportionStats } from './proportions.js';
export { welchDegreesOfFreedom, welchTTest } from './welch-t-test.js';
export type { WelchTTestOptions, WelchTTestResult } from './welch-t-test.js';
export { chanceToWin } from './chance-to-win.js';
export type { ChanceToWinOptions, ChanceToWinResult, GaussianPrior } from './chance-to-win.js';
export {
  confidenceSequence, confidenceSequenceHalfWidth, DEFAULT_SEQUENTIAL_TUNING, effectConfidenceSequence, sequentialRho,
} from './confidence-sequence.js';
export type { ConfidenceSequenceOptions, SequentialResult } from './confidence-sequence.js';
export { msprt, msprtTest, tauForHorizon } from './msprt.js';
export type { MsprtOptions, MsprtResult } from './msprt.js';
export { DEFAULT_SRM_CONCENTRATION, DEFAULT_SRM_THRESHOLD, sequentialSrmTest, srmTest } from './srm.js';
export type { SequentialSrmOptions, SequentialSrmResult, SrmOptions, SrmResult } from './srm.js';
export {
  applyAllocationFloor, betaPosterior, gaussianPosterior, probabilityBetaBeats, thompsonBetaAllocation,
  thompsonGaussianAllocation,
} from './thompson.js';
export type { BetaPosterior, GaussianPosterior, ThompsonOptions } from './thompson.js';
export { latencyRatio, logLatencyStats, quantileConfidenceInterval } from './latency.js';
export type { LatencyRatioResult, QuantileInterval } from './latency.js';
export {
  aggregateBattles, battlesPerModel, eloRatings, fitBradleyTerry, observedWinRates, rankRanges, winRateMatrix,
} from './bradley-terry.js';
export type { Battle, BattleOutcome, BradleyTerryFit, BradleyTerryOptions, EloScale, PairCounts, RankRange } from './bradley-terry.js';
export { bootstrapBradleyTerry, quantileSorted } from './bootstrap.js';
export type { BootstrapOptions, BradleyTerryBootstrap } from './bootstrap.js';
export { rankHeld } from './rank-held.js';
export type { RankHeld } from './rank-held.js';
export { fitStyleControlled, styleFeatures } from './bradley-terry-style.js';
export type { StyleBattle, StyleControlFit, StyleControlOptions } from './bradley-terry-style.js';
export { SeededRandom } from './seeded-random.js';
export type { RandomSource } from './seeded-random.js';
export { holmAdjust } from './holm.js';
export { addRatioMoments, adjustedRatioPair, adjustedRatioStats, deltaMethodVariance, effectiveUnits, independentRatioMoments, NO_RATIO_MOMENTS, pooledTheta, ratioStats } from './ratio.js';
export type { CovariateMoments, RatioMoments } from './ratio.js';
