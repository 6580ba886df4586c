/**
 * The most an eval call can cost, reserved against `--max-cost` before the call is sent: its prompt estimate (every
 * billable field) plus the output cap it is sent with, at the contender's price, in CNY nanos.
 */
import type { Config, Contender } from '../config/types.js';
import { appliedCap, requestedCap, reservedOutputTokens, withOutputCap } from '../metering/output-cap.js';
import { maxCostNanos } from '../metering/pricing.js';
import { estimatePrompt, promptTokensFor } from '../metering/prompt-estimate.js';
import type { PromptCalibration } from '../metering/prompt-calibration.js';
import type { Usage } from '../providers/spec.js';
import { toCnyNanos } from './money.js';

/** The params with exactly one output cap field: the suite's own, else the contender's default. */
export function withReservedCap(params: Readonly<Record<string, unknown>>, contender: Contender): Record<string, unknown> {
  return withOutputCap({ ...params }, contender, appliedCap(requestedCap(params, contender), contender));
}

/**
 * `calibration`: what this contender's upstream has billed against our prompt estimates so far in this process
 * (metering/prompt-calibration.ts); the prompt is reserved at the estimate times its upper quantile.
 */
export async function maxCallCnyNanos(
  contender: Contender, messages: readonly unknown[], params: Readonly<Record<string, unknown>>, fx: Config['fx'], calibration?: PromptCalibration,
): Promise<number> {
  const estimate = await estimatePrompt({ ...params, messages });
  const cap = requestedCap(params, contender);
  const output = reservedOutputTokens(cap, [contender]) + estimate.predicted * cap.choices;
  const prompt = promptTokensFor(estimate, contender.imageTokens);
  const factor = calibration?.factor(contender.name) ?? 1;
  return toCnyNanos(maxCostNanos(factor === 1 ? prompt : Math.ceil(prompt * factor), output, contender.price), contender.price.currency, fx);
}

/** After a call the upstream reported usage for: its billed prompt tokens against our estimate. */
export async function observePrompt(calibration: PromptCalibration, contender: Contender, messages: readonly unknown[], params: Readonly<Record<string, unknown>>, usage: Usage): Promise<void> {
  if (usage.estimated || usage.promptTokens <= 0) return;
  const estimate = await estimatePrompt({ ...params, messages });
  calibration.observe(contender.name, promptTokensFor(estimate, contender.imageTokens), usage.promptTokens);
}
