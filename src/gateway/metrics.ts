/**
 * Prometheus metrics, one registry per gateway instance (no global state, so tests can run several gateways).
 * The hot path never calls prom-client's counters: each request adds to plain numbers, kept per series in nested
 * maps (no key strings built per request), and each counter hands them to prom-client when the registry is read.
 * prom-client hashes the label set on every `inc`, even through a cached child: at thousands of requests per
 * second that was a few percent of the gateway's CPU and of its allocation. The per-request histograms are kept in
 * plain numbers too (`PlainHistogram`), which the registry prints as prom-client's own would.
 * Per-request series carry the client's `protocol` (the front door: `chat`, `messages`, `responses`, `embeddings`):
 * four values at most, so it multiplies the series by at most four.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestProtocol } from '../store/types.js';
import { PlainHistogram } from './plain-histogram.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface RequestObservation {
  race: string;
  contender: string;
  /** The front door the client used. */
  protocol: RequestProtocol;
  outcome: 'ok' | 'error' | 'cut' | 'lost';
  status: number;
  latencyS: number;
  ttftS: number | null;
  promptTokens: number;
  completionTokens: number;
  costUnits: number;
  currency: string;
  shadow: boolean;
}

/** A counter series' increments since the last scrape, handed to its prom-client child by `flush`. */
class PendingCount {
  value = 0;
  constructor(readonly child: { inc(v: number): void }) {}

  flush(): void {
    if (this.value === 0) return;
    this.child.inc(this.value);
    this.value = 0;
  }
}

/** The counters whose series are summed in plain numbers between scrapes. */
type PendingKind = 'requests' | 'tokens' | 'cost';

interface ContenderSeries {
  latency: { observe(v: number): void };
  ttft: { observe(v: number): void };
  prompt: PendingCount;
  completion: PendingCount;
  cost: PendingCount;
  /** Request counts by outcome, then status, then shadow (0 or 1). */
  requests: Map<string, Map<number, [PendingCount | null, PendingCount | null]>>;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'race' | 'contender' | 'protocol' | 'outcome' | 'status' | 'shadow'>;
  readonly #latency: PlainHistogram<'race' | 'contender' | 'protocol'>;
  readonly #ttft: PlainHistogram<'race' | 'contender' | 'protocol'>;
  readonly #tokens: Counter<'contender' | 'protocol' | 'kind'>;
  readonly #cost: Counter<'contender' | 'protocol' | 'currency'>;
  readonly #rejected: Counter<'code'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'saima_process_' });
    const registers = [this.registry];
    const pending = this.#pending;
    const collect = (kind: PendingKind) => () => {
      for (const p of pending[kind]) p.flush();
    };
    this.#requests = new Counter({ name: 'saima_requests_total', help: 'Requests by race, contender, protocol (front door) and outcome', labelNames: ['race', 'contender', 'protocol', 'outcome', 'status', 'shadow'], registers, collect: collect('requests') });
    this.#latency = new PlainHistogram('saima_request_duration_seconds', 'Whole request latency', LATENCY_BUCKETS, this.registry);
    this.#ttft = new PlainHistogram('saima_time_to_first_token_seconds', 'Time to the first body byte from the upstream', LATENCY_BUCKETS, this.registry);
    this.#tokens = new Counter({ name: 'saima_tokens_total', help: 'Tokens by contender, protocol and kind (prompt, completion)', labelNames: ['contender', 'protocol', 'kind'], registers, collect: collect('tokens') });
    this.#cost = new Counter({ name: 'saima_cost_total', help: 'Cost in currency units by contender and protocol', labelNames: ['contender', 'protocol', 'currency'], registers, collect: collect('cost') });
    this.#rejected = new Counter({ name: 'saima_rejected_requests_total', help: 'Error responses by code (refused before routing, or failed after)', labelNames: ['code'], registers });
  }

  /** Every pending series, by the counter that flushes it. */
  readonly #pending: Record<PendingKind, PendingCount[]> = { requests: [], tokens: [], cost: [] };

  #count(kind: PendingKind, child: { inc(v: number): void }): PendingCount {
    const p = new PendingCount(child);
    this.#pending[kind].push(p);
    return p;
  }

  /** Series by protocol, race, contender and currency, made once each. */
  readonly #children = new Map<RequestProtocol, Map<string, Map<string, Map<string, ContenderSeries>>>>();

  #series(protocol: RequestProtocol, race: string, contender: string, currency: string): ContenderSeries {
    let byRace = this.#children.get(protocol);
    if (!byRace) this.#children.set(protocol, (byRace = new Map()));
    let byContender = byRace.get(race);
    if (!byContender) byRace.set(race, (byContender = new Map()));
    let byCurrency = byContender.get(contender);
    if (!byCurrency) byContender.set(contender, (byCurrency = new Map()));
    let s = byCurrency.get(currency);
    if (!s) {
      s = {
        latency: this.#latency.series({ race, contender, protocol }),
        ttft: this.#ttft.series({ race, contender, protocol }),
        prompt: this.#count('tokens', this.#tokens.labels({ contender, protocol, kind: 'prompt' })),
        completion: this.#count('tokens', this.#tokens.labels({ contender, protocol, kind: 'completion' })),
        cost: this.#count('cost', this.#cost.labels({ contender, protocol, currency })),
        requests: new Map(),
      };
      byCurrency.set(currency, s);
    }
    return s;
  }

  observe(o: RequestObservation): void {
    const s = this.#series(o.protocol, o.race, o.contender, o.currency);
    let byStatus = s.requests.get(o.outcome);
    if (!byStatus) s.requests.set(o.outcome, (byStatus = new Map()));
    let byShadow = byStatus.get(o.status);
    if (!byShadow) byStatus.set(o.status, (byShadow = [null, null]));
    const i = o.shadow ? 1 : 0;
    const counter = (byShadow[i] ??= this.#count('requests', this.#requests.labels({ race: o.race, contender: o.contender, protocol: o.protocol, outcome: o.outcome, status: String(o.status), shadow: o.shadow ? 'true' : 'false' })));
    counter.value++;
    if (o.shadow) return;
    s.latency.observe(o.latencyS);
    if (o.ttftS !== null) s.ttft.observe(o.ttftS);
    s.prompt.value += o.promptTokens;
    s.completion.value += o.completionTokens;
    s.cost.value += o.costUnits;
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

  /** Gauges of the request-log spool, read at scrape time. */
  trackSpool(status: () => { bytes: number; quarantined: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'saima_request_spool_bytes',
      help: 'Bytes of request-log rows waiting in the local spool for the store',
      registers,
      collect() {
        this.set(status().bytes);
      },
    });
    new Gauge({
      name: 'saima_request_spool_quarantined_rows',
      help: 'Spooled request-log rows the store refused for themselves, kept in the spool quarantine file',
      registers,
      collect() {
        this.set(status().quarantined);
      },
    });
  }

  rejected(code: string): void {
    this.#rejected.inc({ code });
  }
}
