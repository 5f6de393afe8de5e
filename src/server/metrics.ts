// Prometheus metrics at GET /metrics (prom-client): process and event-loop basics, HTTP requests by route and
// status, and the database's health and pool counts, read from the Database at scrape time rather than duplicated.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { variant } from '../variant.js';
import type { Runtime } from './runtime.js';

export function createMetrics(runtime: Runtime): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ variant: variant.name });
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'flagship_ready',
    help: '1 when the server takes traffic (the database is up and migrated), else 0',
    registers: [registry],
    collect() {
      this.set(runtime.state === 'ready' ? 1 : 0);
    },
  });
  const poolGauge = new Gauge({ name: 'flagship_db_pool_connections', help: 'pooled database connections by state', labelNames: ['state'], registers: [registry] });
  new Gauge({
    name: 'flagship_db_up',
    help: '1 when the database answered the last health check',
    registers: [registry],
    async collect() {
      const db = runtime.attached;
      const health = db ? await db.health() : undefined;
      this.set(health?.ok ? 1 : 0);
      const pool = health?.pool as { total?: number; idle?: number; waiting?: number } | undefined;
      if (pool) {
        poolGauge.set({ state: 'total' }, pool.total ?? 0);
        poolGauge.set({ state: 'idle' }, pool.idle ?? 0);
        poolGauge.set({ state: 'waiting' }, pool.waiting ?? 0);
      }
    },
  });
  for (const f of runtime.features) f.registerMetrics?.(registry);
  return registry;
}

export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({ name: 'flagship_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'flagship_http_request_duration_seconds',
    help: 'time from request to response',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths would make unbounded label sets.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
