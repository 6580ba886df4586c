/**
 * A `SpendGuard` over the budgets as a CLI command pays from them (metering/call-budget.ts): each arena call is
 * reserved at its maximum (every billable prompt field, times what this contender's upstream has billed against
 * our estimates so far, plus the output cap it is sent with) before it is sent, and a refusal is a
 * `budget_exceeded` that leaves the call unmade.
 */
import { SaimaError } from '../errors.js';
import { coveredBy, isExceeded, type CallBudget } from '../metering/call-budget.js';
import { requestedCap, reservedOutputTokens } from '../metering/output-cap.js';
import { maxCostNanos } from '../metering/pricing.js';
import type { PromptCalibration } from '../metering/prompt-calibration.js';
import { estimatePrompt, promptTokensFor } from '../metering/prompt-estimate.js';
import type { SpendGuard } from './contender-call.js';

export interface BudgetGuard {
  guard: SpendGuard;
  /** Waits for the settles still on their way to the budgets. */
  drain(): Promise<void>;
}

export interface GuardScope {
  team: string | null;
  keyId?: string | null;
  race: string | null;
  source: 'arena' | 'judge';
}

/**
 * `calibration`: billed over estimated prompt tokens per contender, shared by the guards of one run; each settled
 * call with reported usage updates it, and the prompt part of the next reservation is the estimate times its upper
 * quantile (metering/prompt-calibration.ts), as for the gateway's and eval calls.
 */
export function budgetGuard(budget: CallBudget, scope: GuardScope, onError: (err: unknown) => void = () => {}, calibration?: PromptCalibration): BudgetGuard {
  const pending = new Set<Promise<void>>();
  const guard: SpendGuard = async (contender, body) => {
    const ctx = { team: scope.team, keyId: scope.keyId ?? null, contender: contender.name, race: scope.race, source: scope.source };
    if (coveredBy(budget.budgets, ctx).length === 0) return () => {};
    const estimate = await estimatePrompt(body);
    const cap = requestedCap(body, contender);
    const prompt = promptTokensFor(estimate, contender.imageTokens);
    const factor = calibration?.factor(contender.name) ?? 1;
    const most = maxCostNanos(factor === 1 ? prompt : Math.ceil(prompt * factor), reservedOutputTokens(cap, [contender]) + estimate.predicted * cap.choices, contender.price);
    const r = await budget.reserve(ctx, most, contender.price.currency);
    if (isExceeded(r)) throw new SaimaError('budget_exceeded', `Budget '${r.exceeded}' is spent for this period.`);
    return (usage, costNanos) => {
      if (calibration && !usage.estimated && usage.promptTokens > 0) calibration.observe(contender.name, prompt, usage.promptTokens);
      const p: Promise<void> = budget.settle(r, costNanos, contender.price.currency).catch(onError).finally(() => pending.delete(p));
      pending.add(p);
    };
  };
  return { guard, drain: async () => void (await Promise.allSettled([...pending])) };
}
