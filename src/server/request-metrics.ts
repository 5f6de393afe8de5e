// HTTP requests by route and status, and their durations by route, counted on the request path in plain numbers and
// handed to prom-client's registry only when /metrics is scraped. prom-client's Counter and Histogram check and hash
// their label values on every call, through a labels() child too (the child keeps the labels, not their hash):
// about 5 µs of every request. The exposition is prom-client's own: the registry formats what `get()` returns here
// exactly as it formats its Counter's and Histogram's (`test/unit/request-metrics.test.ts` compares the two).
import type { Registry } from 'prom-client';

interface Labelled {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels?: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName?: string;
}

interface Snapshot {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values: Labelled[];
  readonly aggregator: 'sum';
}

/** What prom-client's registry asks of a metric: its name, and its values at scrape time. */
interface Exposed {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  /** For the text exposition (Registry.metrics): a histogram's route labels shared by its lines, as prom-client has them. */
  getForPromString(): Promise<Snapshot>;
  /** For Registry.getMetricsAsJSON: every line with all its labels. */
  get(): Promise<Snapshot>;
  reset(): void;
}

/** One route and method: its answers by status and the histogram of their durations. */
export interface RouteTally {
  readonly labels: Readonly<{ method: string; route: string }>;
  /** Answers by status code. */
  readonly statuses: Map<number, number>;
  /** Observations per bucket (not cumulative), the last one past every bound (+Inf). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

export interface RequestMetricsOptions {
  readonly counter: { readonly name: string; readonly help: string };
  readonly histogram: { readonly name: string; readonly help: string; readonly buckets: readonly number[] };
}

export class RequestMetrics {
  /** Each route's tally, by route pattern and then method: a request finds its own with two lookups, no string built. */
  readonly #routes = new Map<string, Map<string, RouteTally>>();
  readonly #bounds: readonly number[];

  constructor(registry: Registry, { counter, histogram }: RequestMetricsOptions) {
    this.#bounds = [...histogram.buckets].sort((a, b) => a - b);
    const counts = async (): Promise<Snapshot> => ({ name: counter.name, help: counter.help, type: 'counter', values: this.#counts(), aggregator: 'sum' });
    const requests: Exposed = {
      name: counter.name,
      help: counter.help,
      type: 'counter',
      aggregator: 'sum',
      getForPromString: counts,
      get: counts,
      reset: () => this.#routes.clear(),
    };
    const histogramOf = (values: Labelled[]): Snapshot => ({ name: histogram.name, help: histogram.help, type: 'histogram', values, aggregator: 'sum' });
    const durations: Exposed = {
      name: histogram.name,
      help: histogram.help,
      type: 'histogram',
      aggregator: 'sum',
      getForPromString: async () => histogramOf(this.#histogram(histogram.name)),
      get: async () =>
        histogramOf(this.#histogram(histogram.name).map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }))),
      reset: () => this.#routes.clear(),
    };
    // The registry takes any object with a name and get(); its types name prom-client's Metric class.
    registry.registerMetric(requests as unknown as Parameters<Registry['registerMetric']>[0]);
    registry.registerMetric(durations as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  *#tallies(): Generator<RouteTally> {
    for (const byMethod of this.#routes.values()) yield* byMethod.values();
  }

  /** The tally of `method` on `route` (the route pattern, never the URL: ids would make unbounded label sets). */
  tally(method: string, route: string): RouteTally {
    let byMethod = this.#routes.get(route);
    if (!byMethod) this.#routes.set(route, (byMethod = new Map()));
    let tally = byMethod.get(method);
    if (!tally) {
      tally = { labels: { method, route }, statuses: new Map(), buckets: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
      byMethod.set(method, tally);
    }
    return tally;
  }

  /** One answer of `status` that took `seconds`. */
  record(tally: RouteTally, status: number, seconds: number): void {
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    if (!Number.isFinite(seconds)) return;
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    tally.buckets[i]!++;
    tally.sum += seconds;
    tally.count++;
  }

  #counts(): Labelled[] {
    const values: Labelled[] = [];
    for (const { labels, statuses } of this.#tallies()) {
      for (const [status, value] of statuses) values.push({ labels: { ...labels, status: String(status) }, value });
    }
    return values;
  }

  /** As prom-client's Histogram lays it out: cumulative buckets, +Inf, sum and count, the route's labels shared. */
  #histogram(name: string): Labelled[] {
    const values: Labelled[] = [];
    for (const { labels, buckets, sum, count } of this.#tallies()) {
      if (count === 0) continue;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += buckets[i]!;
        values.push({ labels: { le }, sharedLabels: labels, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: `${name}_bucket` });
      values.push({ labels: {}, sharedLabels: labels, value: sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: count, metricName: `${name}_count` });
    }
    return values;
  }
}
