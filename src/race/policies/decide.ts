/** Dispatches a race to its policy. `manual` races are left alone: only people change them. */
import { decideBandit } from './bandit.js';
import { decideCanary } from './canary.js';
import type { PolicyInput, PolicyMemory, Verdict } from './types.js';

export function decide(input: PolicyInput): Verdict {
  switch (input.race.policy.type) {
    case 'canary':
    case 'gate':
      return decideCanary(input);
    case 'bandit':
      return decideBandit(input);
    case 'manual':
      return {
        changes: [],
        assessment: { policy: 'manual', at: input.now, blocked: null, blocked_why: null, srm: null, spend: null, bandit: null, challengers: [] },
        banditEvaluated: false,
      };
    default: {
      const never: never = input.race.policy.type;
      throw new Error(`unknown policy ${String(never)}`);
    }
  }
}

export function emptyMemory(): PolicyMemory {
  return { lastReweightAt: null, srmAlertedSince: null, holds: new Set() };
}

/** Records in the memory what an applied change means for later ticks. */
export function remember(memory: PolicyMemory, change: { kind: string; since?: number; key?: string }, now: number): void {
  if (change.kind === 'reweight') memory.lastReweightAt = now;
  if (change.kind === 'srm-alert' && change.since !== undefined) memory.srmAlertedSince = change.since;
  if (change.kind === 'hold' && change.key !== undefined) memory.holds.add(change.key);
}
