// The request counters and duration histograms are tallied in plain numbers (request-metrics.ts) and exposed through
// prom-client's registry: /metrics must read exactly as it did with prom-client's own Counter and Histogram.
import type { Registry as RegistryType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from '../../src/server/prometheus.js';
import { RequestMetrics } from '../../src/server/request-metrics.js';

const COUNTER = { name: 'flagship_http_requests_total', help: 'HTTP requests answered' };
const HISTOGRAM = { name: 'flagship_http_request_duration_seconds', help: 'time from request to response', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1] };

/** method, route, status, seconds: on bounds, between them, past the last, a route with a quote in it. */
const ANSWERS: Array<[string, string, number, number]> = [
  ['GET', '/v1/tasks/:id', 200, 0.0004],
  ['GET', '/v1/tasks/:id', 200, 0.001],
  ['GET', '/v1/tasks/:id', 404, 0.0051],
  ['POST', '/v1/projects/:id/tasks', 201, 0.02],
  ['GET', '/v1/tasks/:id', 200, 0.1],
  ['GET', '/v1/tasks/:id', 304, 7],
  ['GET', 'unmatched', 404, 0.00001],
  ['POST', '/v1/projects/:id/tasks', 409, 0.3],
  ['GET', '/odd/"route"\\x', 200, 0.01],
];

async function exposition(record: (registry: RegistryType) => void): Promise<{ text: string; json: unknown }> {
  const registry = new Registry();
  registry.setDefaultLabels({ variant: 'dev' });
  record(registry);
  return { text: await registry.metrics(), json: await registry.getMetricsAsJSON() };
}

/** Lines of each metric block, sorted: a label set's place within its metric is prom-client's insertion order. */
const blocks = (text: string) =>
  text
    .trim()
    .split('\n\n')
    .map((block) => {
      const [help, type, ...lines] = block.split('\n');
      return [help, type, ...lines.sort()];
    });

describe('request metrics', () => {
  it("read at /metrics exactly as prom-client's Counter and Histogram with the same answers", async () => {
    const ours = await exposition((registry) => {
      const metrics = new RequestMetrics(registry, { counter: COUNTER, histogram: HISTOGRAM });
      for (const [method, route, status, seconds] of ANSWERS) metrics.record(metrics.tally(method, route), status, seconds);
    });
    const theirs = await exposition((registry) => {
      const counter = new Counter({ ...COUNTER, labelNames: ['method', 'route', 'status'], registers: [registry] });
      const histogram = new Histogram({ ...HISTOGRAM, labelNames: ['method', 'route'], registers: [registry] });
      for (const [method, route, status, seconds] of ANSWERS) {
        counter.labels({ method, route, status: String(status) }).inc();
        histogram.labels({ method, route }).observe(seconds);
      }
    });
    expect(blocks(ours.text)).toEqual(blocks(theirs.text));
    expect(ours.text).toContain('flagship_http_requests_total{method="GET",route="/v1/tasks/:id",status="200",variant="dev"} 3');
    expect(ours.text).toContain('flagship_http_request_duration_seconds_bucket{le="0.001",variant="dev",method="GET",route="/v1/tasks/:id"} 2');
    expect(ours.text).toContain('flagship_http_request_duration_seconds_bucket{le="+Inf",variant="dev",method="GET",route="/v1/tasks/:id"} 5');
    // As JSON too (Registry.getMetricsAsJSON), but for prom-client's empty exemplar slots.
    const sorted = (json: unknown) =>
      (json as Array<{ values: Array<{ exemplar?: unknown; metricName?: string; labels: object }> }>).map((m) => {
        const key = (v: { metricName?: string; labels: object }) => `${v.metricName} ${JSON.stringify(Object.entries(v.labels).sort())}`;
        return { ...m, values: m.values.map(({ exemplar: _none, ...value }) => value).sort((a, b) => key(a).localeCompare(key(b))) };
      });
    expect(sorted(ours.json)).toEqual(sorted(theirs.json));
  });

  it('keeps one tally per route and method, and shows a route only once it was answered', async () => {
    let metrics: RequestMetrics | undefined;
    const before = await exposition((registry) => {
      metrics = new RequestMetrics(registry, { counter: COUNTER, histogram: HISTOGRAM });
    });
    expect(before.text).not.toContain('route=');
    expect(metrics!.tally('GET', '/a')).toBe(metrics!.tally('GET', '/a'));
    expect(metrics!.tally('GET', '/a')).not.toBe(metrics!.tally('HEAD', '/a'));
  });
});
