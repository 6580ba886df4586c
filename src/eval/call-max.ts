/**
 * The most an eval call can cost, reserved against `--max-cost` before the call is sent: its prompt estimate (every
 * billable field) plus the output cap it is sent with, at the contender's price, in CNY nanos.
 */
import type { Config, Contender } from '../config/types.js';
import { appliedCap, requestedCap, reservedOutputTokens, withOutputCap } from '../metering/output-cap.js';
import { maxCostNanos } from '../metering/pricing.js';
import { estimatePrompt, promptTokensFor } from '../metering/prompt-estimate.js';
import { toCnyNanos } from './money.js';

/** The params with exactly one output cap field: the suite's own, else the contender's default. */
export function withReservedCap(params: Readonly<Record<string, unknown>>, contender: Contender): Record<string, unknown> {
  return withOutputCap({ ...params }, contender, appliedCap(requestedCap(params, contender), contender));
}

export async function maxCallCnyNanos(contender: Contender, messages: readonly unknown[], params: Readonly<Record<string, unknown>>, fx: Config['fx']): Promise<number> {
  const estimate = await estimatePrompt({ ...params, messages });
  const cap = requestedCap(params, contender);
  const output = reservedOutputTokens(cap, [contender]) + estimate.predicted * cap.choices;
  return toCnyNanos(maxCostNanos(promptTokensFor(estimate, contender.imageTokens), output, contender.price), contender.price.currency, fx);
}
