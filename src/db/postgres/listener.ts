// LISTEN on a connection of its own. A pooled connection cannot hold a LISTEN (it goes back to the pool, and
// PgBouncer in transaction mode drops session state), so each subscription opens a direct client and keeps it,
// reconnecting after a failure. Messages sent while it is down are lost: `connected` tells the subscriber to resync.
import pg from 'pg';
import type { ListenHandlers, Subscription } from '../database.js';
import { KEEPALIVE_DELAY_MS } from './pool.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ListenerOptions {
  readonly url: string;
  readonly applicationName: string;
  readonly connectionTimeoutMs: number;
  /** Wait between reconnection attempts. */
  readonly retryMs?: number;
}

export async function listen(options: ListenerOptions, channel: string, handlers: ListenHandlers): Promise<Subscription> {
  if (!IDENTIFIER.test(channel)) throw new Error(`listen: "${channel}" is not a usable channel name; use lower-case letters, digits and _`);
  let closed = false;
  let client: pg.Client | undefined;
  // Every listener of this program on this channel carries it, so peers() can count them in pg_stat_activity (one
  // per instance, however many channels each listens on). PostgreSQL keeps the first 63 bytes.
  const applicationName = `${options.applicationName} listener ${channel}`.slice(0, 63);
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    // Keepalive as on the pools: a LISTEN connection is silent by nature, so only TCP notices a peer that went away.
    const c = new pg.Client({
      connectionString: options.url,
      application_name: applicationName,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    });
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      client = undefined;
      void c.end().catch(() => undefined); // already broken; ending only frees the socket
      if (closed) return;
      handlers.disconnected(err);
      // A failed attempt reports itself through `fail`, which schedules the next one.
      retry = setTimeout(() => void connect().catch(fail), options.retryMs ?? 1000);
      retry.unref();
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('the LISTEN connection ended')));
    c.on('notification', (n) => {
      if (n.channel === channel) handlers.message(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      fail(err as Error);
      throw err;
    }
    if (closed) {
      await c.end();
      return;
    }
    client = c;
    handlers.connected();
  };

  // A first failure is handled like any other: reported, then retried in the background.
  await connect().catch(() => undefined);
  const connected = () => {
    if (!client) throw new Error(`the LISTEN connection for ${channel} is down; it reconnects on its own`);
    return client;
  };
  return {
    async send(payload) {
      await connected().query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async peers() {
      if (!client) return 0;
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [applicationName],
      );
      return rows[0]?.n ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
