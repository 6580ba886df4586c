/**
 * The budgets a CLI command's calls pay from: the replicas' Redis windows when the config names `redis`, else
 * claims the running gateway decides (or, with none running, the store alone). None when no budget is configured.
 */
import type { Config } from '../config/types.js';
import { ClaimedBudget } from '../gateway/claimed-budget.js';
import type { CallBudget } from '../metering/call-budget.js';
import type { Store } from '../store/index.js';

export async function openCallBudget(store: Store, config: Config): Promise<CallBudget | null> {
  if (config.budgets.length === 0) return null;
  if (config.redis) return (await import('../cluster/redis-call-budget.js')).RedisCallBudget.open(config, store);
  return new ClaimedBudget(store, config);
}
