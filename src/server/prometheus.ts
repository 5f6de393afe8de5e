// prom-client, the parts the server uses. Its main module loads every part on import: the summary's digest, the
// Pushgateway client (with node:http and node:https), the cluster aggregator (node:cluster) and the dozen default
// collectors, a measurable part of a start for a test server that is never scraped. The classes come from their own
// files, typed as the main module types them; the default collectors are loaded when first needed.
import type * as PromClient from 'prom-client';
import counter from 'prom-client/lib/counter.js';
import gauge from 'prom-client/lib/gauge.js';
import histogram from 'prom-client/lib/histogram.js';
import registry from 'prom-client/lib/registry.js';

export const Registry = registry as typeof PromClient.Registry;
export const Counter = counter as typeof PromClient.Counter;
export const Gauge = gauge as typeof PromClient.Gauge;
export const Histogram = histogram as typeof PromClient.Histogram;

const defaults = new WeakMap<PromClient.Registry, Promise<void>>();

/**
 * Adds prom-client's default metrics (process, heap, event loop, GC) to `registry`, once, however often asked: the
 * first scrape waits for it, and the server asks once it is ready so the event loop and GC are observed from then on.
 */
export function collectDefaultMetrics(registry: PromClient.Registry): Promise<void> {
  let started = defaults.get(registry);
  if (!started) {
    started = import('prom-client/lib/defaultMetrics.js').then(({ default: collect }) => {
      (collect as typeof PromClient.collectDefaultMetrics)({ register: registry });
    });
    defaults.set(registry, started);
  }
  return started;
}
