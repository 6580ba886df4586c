/**
 * Prometheus metrics, one registry per gateway instance (no global state, so tests can run several gateways).
 * Label children are cached per (race, contender) so the hot path does no label hashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface RequestObservation {
  race: string;
  contender: string;
  outcome: 'ok' | 'error' | 'cut';
  status: number;
  latencyS: number;
  ttftS: number | null;
  promptTokens: number;
  completionTokens: number;
  costUnits: number;
  currency: string;
  shadow: boolean;
}

interface ContenderSeries {
  latency: { observe(v: number): void };
  ttft: { observe(v: number): void };
  prompt: { inc(v: number): void };
  completion: { inc(v: number): void };
  cost: { inc(v: number): void };
  requests: Map<string, { inc(): void }>;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'race' | 'contender' | 'outcome' | 'status' | 'shadow'>;
  readonly #latency: Histogram<'race' | 'contender'>;
  readonly #ttft: Histogram<'race' | 'contender'>;
  readonly #tokens: Counter<'contender' | 'kind'>;
  readonly #cost: Counter<'contender' | 'currency'>;
  readonly #rejected: Counter<'code'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'saima_process_' });
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'saima_requests_total', help: 'Chat requests by race, contender and outcome', labelNames: ['race', 'contender', 'outcome', 'status', 'shadow'], registers });
    this.#latency = new Histogram({ name: 'saima_request_duration_seconds', help: 'Whole request latency', labelNames: ['race', 'contender'], buckets: LATENCY_BUCKETS, registers });
    this.#ttft = new Histogram({ name: 'saima_time_to_first_token_seconds', help: 'Time to the first body byte from the upstream', labelNames: ['race', 'contender'], buckets: LATENCY_BUCKETS, registers });
    this.#tokens = new Counter({ name: 'saima_tokens_total', help: 'Tokens by contender and kind (prompt, completion)', labelNames: ['contender', 'kind'], registers });
    this.#cost = new Counter({ name: 'saima_cost_total', help: 'Cost in currency units by contender', labelNames: ['contender', 'currency'], registers });
    this.#rejected = new Counter({ name: 'saima_rejected_requests_total', help: 'Error responses by code (refused before routing, or failed after)', labelNames: ['code'], registers });
  }

  readonly #children = new Map<string, ContenderSeries>();

  /** Label children per (race, contender), made once: prom-client hashes label objects on every call otherwise. */
  #series(race: string, contender: string, currency: string): ContenderSeries {
    const key = `${race}\u0000${contender}\u0000${currency}`;
    let s = this.#children.get(key);
    if (!s) {
      s = {
        latency: this.#latency.labels({ race, contender }),
        ttft: this.#ttft.labels({ race, contender }),
        prompt: this.#tokens.labels({ contender, kind: 'prompt' }),
        completion: this.#tokens.labels({ contender, kind: 'completion' }),
        cost: this.#cost.labels({ contender, currency }),
        requests: new Map(),
      };
      this.#children.set(key, s);
    }
    return s;
  }

  observe(o: RequestObservation): void {
    const s = this.#series(o.race, o.contender, o.currency);
    const rk = `${o.outcome}\u0000${o.status}\u0000${o.shadow ? 1 : 0}`;
    let counter = s.requests.get(rk);
    if (!counter) {
      counter = this.#requests.labels({ race: o.race, contender: o.contender, outcome: o.outcome, status: String(o.status), shadow: o.shadow ? 'true' : 'false' });
      s.requests.set(rk, counter);
    }
    counter.inc();
    if (o.shadow) return;
    s.latency.observe(o.latencyS);
    if (o.ttftS !== null) s.ttft.observe(o.ttftS);
    if (o.promptTokens) s.prompt.inc(o.promptTokens);
    if (o.completionTokens) s.completion.inc(o.completionTokens);
    if (o.costUnits) s.cost.inc(o.costUnits);
  }

  /** Gauges of each budget's spend in its current period, read at scrape time. */
  trackBudgets(status: () => Array<{ budget: { name: string; limitNanos: number; currency: string }; spentNanos: number; reservedNanos: number }>): void {
    const registers = [this.registry];
    new Gauge({
      name: 'saima_budget_spent_ratio',
      help: 'Spend in the current period as a fraction of the budget limit',
      labelNames: ['budget'],
      registers,
      collect() {
        for (const s of status()) this.set({ budget: s.budget.name }, s.spentNanos / s.budget.limitNanos);
      },
    });
    new Gauge({
      name: 'saima_budget_spent',
      help: 'Spend in the current period, in the budget currency',
      labelNames: ['budget', 'currency'],
      registers,
      collect() {
        for (const s of status()) this.set({ budget: s.budget.name, currency: s.budget.currency }, s.spentNanos / 1e9);
      },
    });
  }

  rejected(code: string): void {
    this.#rejected.inc({ code });
  }
}
