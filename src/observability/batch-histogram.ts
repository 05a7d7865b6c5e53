import type { Metric, Registry } from 'prom-client';

/** One label value's observations: a count per bucket (not cumulative; the last is above every bound), their sum and count. */
interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A sample as prom-client's metrics give them to the registry. */
interface Sample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * A Prometheus histogram with one label, observed a batch of values at a time. prom-client's
 * Histogram.observe costs 0.5-1.2 µs per value (it hashes the labels, and keys its buckets by the
 * float bound, converted to a string twice) and has no way to add many (prom-client#514); this
 * keeps its own counts and gives the registry the samples a prom-client Histogram would, so the
 * exposition is the same (test/ops.metrics.test.ts compares the two).
 */
export class BatchHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: string,
    /** Upper bounds, ascending. */
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // The registry reads any metric through get() and reset(); its Metric type names only prom-client's own classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** Observes `values` under the label's `value`. */
  observe(value: string, values: readonly number[]): void {
    if (values.length === 0) return;
    let series = this.#series.get(value);
    if (!series) this.#series.set(value, (series = { labels: { [this.label]: value }, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    const { buckets } = this;
    for (const v of values) {
      // The first bound at or above the value, as prom-client finds it.
      let i = 0;
      while (i < buckets.length && v > buckets[i]!) i++;
      series.counts[i]! += 1;
      series.sum += v;
    }
    series.count += values.length;
  }

  /** The samples, as prom-client's Histogram.get() gives them: cumulative buckets, +Inf, sum, count per label value. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += counts[i]!;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` },
        { labels: { ...labels }, value: sum, metricName: `${this.name}_sum` },
        { labels: { ...labels }, value: count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
