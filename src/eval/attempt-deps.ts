/**
 * Retry plumbing for eval calls: the race layer's `attemptPlan` with the contender's own retry settings. Unlike
 * the gateway, an eval has no user waiting, so the circuit breaker never opens (a skipped call would only become
 * an error row); a contender that keeps failing is stopped by the runner instead.
 */
import type { Config, Contender } from '../config/types.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AttemptDeps } from '../race/attempt.js';
import { CircuitBreaker } from '../race/circuit-breaker.js';

export function evalAttemptDeps(config: Config, providers: ProviderRegistry, extra: Pick<AttemptDeps, 'sleep' | 'random'> = {}): AttemptDeps {
  const breaker = new CircuitBreaker(Number.POSITIVE_INFINITY, 0);
  return {
    contender: (name) => config.contenders.get(name),
    adapter: (c: Contender) => providers.adapterFor(c),
    breaker: () => breaker,
    ...extra,
  };
}
