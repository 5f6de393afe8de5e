// The router's state as Prometheus series, labelled by node and region, read at scrape time from the same report
// GET /v1/admin/pools shows.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeReport, ReplicaRouter } from './router.js';

type Labels = { node: string; region: string; role: string };
const labelsOf = (n: NodeReport): Labels => ({ node: n.node, region: n.region ?? 'none', role: n.role });

/** What a Gauge or a Counter is made from here; `collect` runs at every scrape. */
interface SeriesConfig<M> {
  name: string;
  help: string;
  labelNames: ReadonlyArray<keyof Labels>;
  registers: Registry[];
  collect(this: M): void;
}

/** `router` is undefined until the database is up; series are empty until then. */
export function registerRouterMetrics(registry: Registry, router: () => ReplicaRouter | undefined): void {
  const labelNames = ['node', 'region', 'role'] as const;
  // Each scrape rebuilds a series from the router's report: reset, then one value per node. Counters only grow, yet
  // prom-client's Counter has no set, so a counter is rebuilt by adding the router's total to its reset value.
  const series =
    <M extends { reset(): void }>(Kind: new (config: SeriesConfig<M>) => M, write: (metric: M, labels: Labels, value: number) => void) =>
    (name: string, help: string, value: (n: NodeReport) => number) =>
      new Kind({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const n of router()?.report() ?? []) write(this, labelsOf(n), value(n));
        },
      });
  const gauge = series<Gauge<keyof Labels>>(Gauge, (g, labels, value) => g.set(labels, value));
  const counter = series<Counter<keyof Labels>>(Counter, (c, labels, value) => c.inc(labels, value));

  gauge('flagship_db_node_up', '1 when the node answered its last health check and failed no query since', (n) => (n.healthy ? 1 : 0));
  gauge('flagship_db_node_serving', '1 when the node takes writes (primary) or reads (a replica within the lag bounds)', (n) => (n.serving ? 1 : 0));
  gauge('flagship_db_node_lag_bytes', 'WAL bytes the replica has not replayed yet', (n) => n.lagBytes);
  gauge(
    'flagship_db_node_lag_seconds',
    'seconds the replica replay is behind the primary (+Inf while it cannot be told)',
    (n) => n.lagSeconds ?? Number.POSITIVE_INFINITY,
  );
  gauge('flagship_db_node_connections_in_use', 'pooled connections checked out', (n) => n.inUse);
  gauge('flagship_db_node_connections_idle', 'pooled connections idle', (n) => n.idle);
  gauge('flagship_db_node_waiting', 'callers waiting for a pooled connection', (n) => n.waiting);
  counter('flagship_db_node_reads_total', 'reads served by the node', (n) => n.readsServed);
  counter('flagship_db_node_writes_total', 'write transactions committed on the node', (n) => n.writesServed);
  counter('flagship_db_node_ejections_total', 'times the node was taken out of rotation', (n) => n.ejections);
}
