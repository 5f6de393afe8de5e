// Every connection is bounded: a whole request (headers and body) must arrive within REQUEST_TIMEOUT_MS, its headers
// within HEADERS_TIMEOUT_MS, an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS, and at most
// MAX_CONNECTIONS are open at once. Without these, clients that send a byte now and then hold their sockets (and the
// memory behind them) for as long as they like, and enough of them starve everyone else.
import type { ServerOptions } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';

type Limits = Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'>;

/**
 * Node checks the request and header deadlines on a timer (every 30 s by default), so a short limit would be
 * enforced up to 30 s late: check often enough that a limit is kept to within about a quarter of itself.
 */
function checkingInterval(limits: Limits): number {
  const bounds = [limits.requestTimeoutMs, limits.headersTimeoutMs].filter((ms) => ms > 0);
  if (bounds.length === 0) return 30_000;
  return Math.max(50, Math.min(1000, Math.floor(Math.min(...bounds) / 4)));
}

/** The Fastify options that bound a connection in time. */
export function connectionTimeouts(limits: Limits): { requestTimeout: number; keepAliveTimeout: number; http: ServerOptions } {
  const headersTimeout = limits.headersTimeoutMs > 0 ? limits.headersTimeoutMs : limits.requestTimeoutMs;
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Given to http.createServer, which checks that the header deadline is within the request's.
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(limits),
    },
  };
}

/** Caps open connections: Node closes a connection over the cap as soon as it is accepted. */
export function limitConnections(app: FastifyInstance, limits: Limits): void {
  if (limits.maxConnections > 0) app.server.maxConnections = limits.maxConnections;
}
