// Prometheus metrics at GET /metrics (prom-client): process and event-loop basics, HTTP requests by route and
// status, and the database's health and pool counts, read from the Database at scrape time rather than duplicated.
import type { FastifyInstance } from 'fastify';
import type { Registry as RegistryType } from 'prom-client';
import { variant } from '../variant.js';
import { notFoundHandler } from './error-handler.js';
import { Gauge, Registry, collectDefaultMetrics } from './prometheus.js';
import { RequestMetrics } from './request-metrics.js';
import type { OperatorAccess } from './operator.js';
import { checkReadiness, type Readiness } from './readiness.js';
import type { Runtime } from './runtime.js';

export function createMetrics(runtime: Runtime): RegistryType {
  const registry = new Registry();
  registry.setDefaultLabels({ variant: variant.name });
  // prom-client's default metrics are added once the server is ready, or by the first scrape (prometheus.ts).

  // One readiness check per scrape, shared by the gauges below (prom-client collects them concurrently), and the
  // same check /readyz makes, so flagship_ready and /readyz always agree.
  let scrape: Promise<Readiness> | undefined;
  const readiness = (): Promise<Readiness> =>
    (scrape ??= checkReadiness(runtime).finally(() => {
      scrape = undefined;
    }));
  new Gauge({
    name: 'flagship_ready',
    help: '1 when the server takes traffic (what GET /readyz answers with 200), else 0',
    registers: [registry],
    async collect() {
      this.set((await readiness()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'flagship_serving',
    help: '1 when this instance can serve the operation now (read: what GET /readyz answers 200 for; write: GET /readyz?need=writes)',
    labelNames: ['operation'],
    registers: [registry],
    async collect() {
      const { serves } = await readiness();
      this.set({ operation: 'read' }, serves.reads ? 1 : 0);
      this.set({ operation: 'write' }, serves.writes ? 1 : 0);
    },
  });
  new Gauge({
    name: 'flagship_db_pool_connections',
    help: 'pooled database connections by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const pool = (await readiness()).health?.pool as { total?: number; idle?: number; waiting?: number } | undefined;
      if (!pool) return;
      this.set({ state: 'total' }, pool.total ?? 0);
      this.set({ state: 'idle' }, pool.idle ?? 0);
      this.set({ state: 'waiting' }, pool.waiting ?? 0);
    },
  });
  new Gauge({
    name: 'flagship_db_up',
    help: '1 when the database answered the last health check',
    registers: [registry],
    async collect() {
      this.set((await readiness()).health?.ok ? 1 : 0);
    },
  });
  return registry;
}

/**
 * Serves /metrics to the operator (an address of METRICS_ALLOW, or an operator token); everyone else gets the 404 of a
 * route that is not there.
 */
export function registerMetrics(app: FastifyInstance, registry: RegistryType, operator: OperatorAccess): void {
  const metrics = new RequestMetrics(registry, {
    counter: { name: 'flagship_http_requests_total', help: 'HTTP requests answered' },
    histogram: {
      name: 'flagship_http_request_duration_seconds',
      help: 'time from request to response',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    },
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL: ids in paths would make unbounded label sets.
    const tally = metrics.tally(request.method, request.routeOptions.url ?? 'unmatched');
    metrics.record(tally, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { config: { storable: true } }, async (request, reply) => {
    if (!(await operator.isOperator(request))) {
      notFoundHandler(request, reply);
      return reply;
    }
    await collectDefaultMetrics(registry);
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
