// Real PostgreSQL for tests: a primary and streaming replicas, never mocks. globalSetup calls startPostgres and
// provides `info`; test workers drive the topology with the helpers below, which need nothing but that info.
import { pgCtlStart, pgCtlStop, targetFor } from './node-control.js';
import { openTopology } from './sources.js';
import { databaseOf, waitForConnect, withClient, withDatabase } from './sql.js';
import type { PgNodeInfo, PgTopologyInfo } from './types.js';

export type { PgNodeInfo, PgTopologyInfo } from './types.js';
export { pauseReplay, resumeReplay, waitForReplay } from './replication.js';
export { withDatabase } from './sql.js';
export { freezeNode, serverProcesses } from './freeze.js';

/**
 * Starts (or connects to) a primary with `replicas` streaming replicas (default 2); see sources.ts for where it comes
 * from. close() stops every server it started and removes its temp dir; a watchdog does the same if this process dies.
 */
export async function startPostgres(opts: { replicas?: number } = {}): Promise<{ info: PgTopologyInfo; close(): Promise<void> }> {
  return openTopology(opts.replicas ?? 2);
}

export async function stopNode(info: PgTopologyInfo, name: string, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const { target } = targetFor(info, name, 'stopNode');
  await pgCtlStop(target, mode);
}

/** Starts a stopped node and waits until it accepts connections (a replica then catches up on its own). */
export async function startNode(info: PgTopologyInfo, name: string): Promise<void> {
  const { node, target } = targetFor(info, name, 'startNode');
  await pgCtlStart(target);
  await waitForConnect(node.url, { what: `PostgreSQL node ${name}`, logFile: target.logFile });
}

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Creates an empty database on the primary and returns its URL there. Replicas receive it through physical
 * replication shortly after; call waitForReplay before relying on that, then reach it with replicaUrl.
 */
export async function createDatabase(info: PgTopologyInfo, name: string): Promise<string> {
  if (!DATABASE_NAME.test(name))
    throw new Error(`createDatabase: "${name}" is not a usable database name; use letters, digits and _ (at most 63, not starting with a digit).`);
  await withClient(info.primary.url, (client) => client.query(`create database "${name}"`));
  return withDatabase(info.primary.url, name);
}

/** The URL for the same database as `primaryDatabaseUrl`, on `replica`. */
export function replicaUrl(primaryDatabaseUrl: string, replica: PgNodeInfo): string {
  return withDatabase(replica.url, databaseOf(primaryDatabaseUrl));
}
