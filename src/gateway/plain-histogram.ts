/**
 * A Prometheus histogram whose series are observed in plain numbers, for the per-request histograms. prom-client's
 * `Histogram` checks and hashes the label set on every `observe`, even through a child made by `labels()`, and keeps
 * each series' buckets in an object keyed by bound: measured at some 3,500 instructions an observation, twice a
 * request. Here a series is made once and an observation is a bucket search and three additions.
 *
 * The registry prints it through its own formatting, from the same values prom-client's histogram gives it (bucket
 * lines with `le` first, then `_sum` and `_count`; a series appears once it has an observation), so the text a scrape
 * reads is the same byte for byte (test/gateway/plain-histogram.test.ts compares the two).
 */
import type { Registry } from 'prom-client';

type Labels<L extends string> = Record<L, string>;

/** One series: counts per bucket (not cumulative), sum and count. */
export class HistogramSeries<L extends string> {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels<L>,
    readonly upperBounds: readonly number[],
    /** Called at the first observation since the series was made or reset: prom-client lists series in that order. */
    private readonly firstSeen: (s: HistogramSeries<L>) => void,
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }

  /** A value that is not a finite number is not counted: it would poison the sum (prom-client throws instead). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.count === 0) this.firstSeen(this);
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  /** prom-client's bucket lines carry one (null without exemplars); its `_sum` and `_count` lines do not. */
  exemplar?: null;
}

export class PlainHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Series by their label values, and the observed ones in the order of their first observation. */
  readonly #byLabels = new Map<string, HistogramSeries<L>>();
  #listed: Array<HistogramSeries<L>> = [];
  readonly #list = (s: HistogramSeries<L>): void => void this.#listed.push(s);

  constructor(
    readonly name: string,
    readonly help: string,
    readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    // The registry reads any object with a name and `get` (prom-client's documented metric interface).
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of `labels`, made at the first ask: the caller keeps it and observes through it. */
  series(labels: Labels<L>): HistogramSeries<L> {
    const key = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k as L]]));
    let s = this.#byLabels.get(key);
    if (s === undefined) {
      s = new HistogramSeries(labels, this.upperBounds, this.#list);
      this.#byLabels.set(key, s);
    }
    return s;
  }

  /** What the registry prints: bucket, `_sum` and `_count` lines per observed series, labels as prom-client shares them. */
  getForPromString(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const values: MetricValue[] = [];
    for (const s of this.#listed) {
      let acc = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.upperBounds[i]! }, sharedLabels: s.labels, value: acc, metricName: `${this.name}_bucket`, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The same values with each line's labels in one object, as prom-client's `get()` gives them. */
  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const data = this.getForPromString();
    data.values = data.values.map(({ labels, sharedLabels, ...line }) => ({ ...line, labels: { ...labels, ...sharedLabels } }));
    return data;
  }

  reset(): void {
    for (const s of this.#listed) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
    this.#listed = [];
  }
}
