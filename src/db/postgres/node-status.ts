// What a router asks each node of a replicated set, in one round trip: its role, how far its WAL goes, and (on a
// replica) how far behind its replay is.
import type { PgPool } from './pool.js';

export interface NodeStatus {
  /** True on a replica (hot standby), false on a server that takes writes. */
  readonly inRecovery: boolean;
  /** Primary: the WAL insert position. Replica: the last replayed position (null before it replayed anything). */
  readonly lsn: string | null;
  /** Replica: seconds since the last replayed commit while WAL is waiting to be replayed; 0 when caught up. */
  readonly replayDelaySeconds: number;
}

// A replica with nothing left to replay is not behind, however long ago the primary's last commit was; only when WAL
// has arrived and waits (replay paused, or slow) does the age of the last replayed commit measure the delay.
const STATUS_SQL = `SELECT pg_is_in_recovery() AS r,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn,
  CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS delay`;

export async function probeNode(pool: PgPool): Promise<NodeStatus> {
  const { rows } = await pool.query<{ r: boolean; lsn: string | null; delay: number }>(STATUS_SQL);
  const row = rows[0];
  if (!row) throw new Error('the node status query returned no row');
  return { inRecovery: row.r, lsn: row.lsn, replayDelaySeconds: Math.max(0, Number(row.delay)) };
}
