// Short-lived connections for the harness's own queries: nothing is pooled, so stopping a server never leaves a
// broken pooled client behind to crash the process with an unhandled 'error' event.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { waitFor } from '../wait.js';

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>, connectTimeoutMs = 5000): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A server stopped under an open connection reports it as an event; without a listener that kills the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function queryOne<R>(url: string, text: string, values?: unknown[]): Promise<R> {
  return withClient(url, async (client) => {
    const { rows } = await client.query(text, values);
    return rows[0] as R;
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function logTail(file: string | undefined, lines = 30): Promise<string> {
  if (!file) return '';
  const text = await readFile(file, 'utf8').catch(() => '');
  return text ? `\n--- last lines of ${file} ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}` : `\n(no log at ${file})`;
}

/** Polls until the server answers a query (not merely accepts TCP): startup and recovery refuse connections for a while. */
export async function waitForConnect(url: string, options: { timeoutMs?: number; what: string; logFile?: string | undefined }): Promise<void> {
  await waitFor(
    `${options.what} accepting connections at ${url}`,
    async () => {
      await withClient(url, (c) => c.query('select 1'), 2000);
      return true;
    },
    options.timeoutMs ?? 30_000,
    100,
    () => logTail(options.logFile),
  );
}

/** Replaces the database name in a connection URL, keeping host, port, user, password and parameters. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
