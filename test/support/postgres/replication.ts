// Replication helpers that only need connection URLs, so they work for every source (external servers included).
import { queryOne, withClient } from './sql.js';
import { waitFor } from '../wait.js';
import type { PgNodeInfo, PgTopologyInfo } from './types.js';

/**
 * A WAL position at or after the commit of every transaction committed before this call, that the primary has
 * flushed (walsenders ship flushed WAL only), and that a replica's replay position lands on exactly.
 *
 * The servers run with synchronous_commit=off, so pg_current_wal_lsn() can sit before a just-committed write, and
 * pg_current_wal_insert_lsn() may lie past what is ever flushed or be reported past a page header. So this writes a
 * transactional logical message (a no-op on replay, allowed at wal_level=replica): its end LSN follows every earlier
 * commit, and committing it with synchronous_commit=on flushes the WAL through it. A transaction that merely takes
 * an xid would not do: without WAL of its own its commit is treated as asynchronous and flushes nothing.
 */
export async function replayTarget(primaryUrl: string): Promise<string> {
  return withClient(primaryUrl, async (client) => {
    await client.query('begin');
    try {
      await client.query('set local synchronous_commit = on');
      const { rows } = await client.query<{ lsn: string }>("select pg_logical_emit_message(true, 'flagship-test-harness', 'sync')::text as lsn");
      await client.query('commit');
      return rows[0]!.lsn;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}

interface ReplayState {
  done: boolean;
  at: string | null;
  paused: boolean;
}

/** Resolves once `count` standbys stream from the primary; `explain` adds what the caller knows (their logs) on failure. */
export async function waitForStreaming(primaryUrl: string, count: number, timeoutMs: number, explain?: () => Promise<string>): Promise<void> {
  if (count === 0) return;
  let n = 0;
  await waitFor(
    `${count} replicas streaming from the primary`,
    async () => {
      ({ n } = await queryOne<{ n: number }>(primaryUrl, "select count(*)::int as n from pg_stat_replication where state = 'streaming'"));
      return n >= count;
    },
    timeoutMs,
    50,
    async () => `only ${n} were${explain ? await explain() : ''}`,
  );
}

/** Resolves once every replica has replayed everything the primary committed before the call. */
export async function waitForReplay(info: PgTopologyInfo, timeoutMs = 30_000): Promise<void> {
  if (info.replicas.length === 0) return;
  const target = await replayTarget(info.primary.url);
  const pending = new Map(info.replicas.map((r) => [r.name, r]));
  const status = new Map<string, string>();
  await waitFor(
    `replicas replaying the primary's WAL up to ${target}`,
    async () => {
      await Promise.all(
        [...pending.values()].map(async (replica) => {
          try {
            const row = await queryOne<ReplayState>(
              replica.url,
              'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done, pg_last_wal_replay_lsn()::text as at, pg_is_wal_replay_paused() as paused',
              [target],
            );
            if (row.done) pending.delete(replica.name);
            else status.set(replica.name, `has replayed up to ${row.at ?? 'nothing'}${row.paused ? ' and its replay is paused (call resumeReplay)' : ''}`);
          } catch (error) {
            status.set(replica.name, `could not be asked: ${(error as Error).message}`);
          }
        }),
      );
      return pending.size === 0;
    },
    timeoutMs,
    50,
    () => `lagging: ${[...pending.keys()].map((name) => `${name} ${status.get(name) ?? ''}`).join('; ')}`,
  );
}

function requireReplica(node: PgNodeInfo, action: string): void {
  if (node.role !== 'replica') throw new Error(`${action}: ${node.name} is the primary; only replicas replay WAL.`);
}

/**
 * Stops the replica applying WAL (it keeps receiving it). Once the pause is requested the startup process applies no
 * further record, so a write made after this returns stays invisible on this replica until resumeReplay.
 */
export async function pauseReplay(node: PgNodeInfo): Promise<void> {
  requireReplica(node, 'pauseReplay');
  await withClient(node.url, async (client) => {
    await client.query('select pg_wal_replay_pause()');
  });
}

export async function resumeReplay(node: PgNodeInfo): Promise<void> {
  requireReplica(node, 'resumeReplay');
  await withClient(node.url, async (client) => {
    await client.query('select pg_wal_replay_resume()');
  });
}
