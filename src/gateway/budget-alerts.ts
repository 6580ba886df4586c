/**
 * What happens when a budget crosses its soft threshold: a warning in the log, the Prometheus gauge (kept current
 * by `GatewayMetrics`), and an optional webhook POST, retried with backoff in the background so the request path
 * never waits for it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { BudgetEvent } from '../metering/budgets.js';

const RETRIES = 4;

export function budgetAlerter(log: () => FastifyBaseLogger, background: Set<Promise<unknown>>): (e: BudgetEvent) => void {
  return (e) => {
    const payload = {
      type: `budget.${e.kind}`,
      budget: e.budget.name,
      scope: e.budget.scope,
      period: e.period,
      spent: e.spentNanos / 1e9,
      limit: e.budget.limitNanos / 1e9,
      currency: e.budget.currency,
      ratio: e.spentNanos / e.budget.limitNanos,
    };
    log().warn(payload, 'budget soft threshold crossed');
    if (!e.budget.webhook) return;
    const task = deliver(e.budget.webhook, payload).catch((err: Error) => log().warn({ budget: e.budget.name, err: err.message }, 'budget webhook failed'));
    background.add(task);
    void task.finally(() => background.delete(task));
  };
}

async function deliver(url: string, payload: unknown): Promise<void> {
  let last: unknown;
  for (let i = 0; i <= RETRIES; i++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(5000) });
      if (res.ok) return;
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200 * 2 ** i));
  }
  throw last instanceof Error ? last : new Error(String(last));
}
