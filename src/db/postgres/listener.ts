// LISTEN on a connection of its own. A pooled connection cannot hold a LISTEN (it goes back to the pool, and
// PgBouncer in transaction mode drops session state), so each subscription opens a direct client and keeps it,
// reconnecting after a failure. Messages sent while it is down are lost: `connected` tells the subscriber to resync.
import pg from 'pg';
import type { ListenHandlers, Subscription } from '../database.js';

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
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.url, application_name: `${options.applicationName} listener`, connectionTimeoutMillis: options.connectionTimeoutMs });
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
  return {
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
