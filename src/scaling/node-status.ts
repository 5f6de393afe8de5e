// What a router asks each node of a replicated set, in one round trip: its role and how far its WAL goes. How far
// behind a replica is, in seconds, is measured by the router against the primary's positions over time, in its own
// clock (see the scaling module's lag-clock.ts): a replica's own replay timestamps say nothing while it receives
// nothing (re-attaching to a new leader) and are read in another server's clock.
import type { PgPool } from '../db/postgres/pool.js';

export interface NodeStatus {
  /** True on a replica (hot standby), false on a server that takes writes. */
  readonly inRecovery: boolean;
  /** Primary: the WAL insert position. Replica: the last replayed position (null before it replayed anything). */
  readonly lsn: string | null;
}

const STATUS_SQL = `SELECT pg_is_in_recovery() AS r,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn`;

export async function probeNode(pool: PgPool): Promise<NodeStatus> {
  const { rows } = await pool.query<{ r: boolean; lsn: string | null }>(STATUS_SQL);
  const row = rows[0];
  if (!row) throw new Error('the node status query returned no row');
  return { inRecovery: row.r, lsn: row.lsn };
}
