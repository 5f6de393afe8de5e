// What each transaction on one node learns on its way, observed through the Postgres adapter's connector hook: the
// WAL position just past its COMMIT (a replica whose replay position has reached it sees the write), the notice a
// trigger left for the router, and whether its server turned out read-only (a connection opened before a failover,
// now on a demoted primary), so that connection is never handed out again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Queryable } from '../db/database.js';
import { isReadOnly } from '../db/postgres/errors.js';
import type { PgClient, PgPool } from '../db/postgres/pool.js';
import type { Connector } from '../db/transactions.js';

/**
 * A session setting a trigger may set (set_config(..., false), so it outlives the COMMIT, and is undone with a
 * rollback) to tell the router something about the transaction that committed: read and cleared with its position.
 */
export const COMMIT_NOTICE = 'flagship.commit_notice';

// Any session's insert position read after our COMMIT returned is past our commit record. The notice is read in the
// same round trip, from a CTE so it is read before it is cleared.
const POSITION_SQL = `WITH n AS (SELECT nullif(current_setting('${COMMIT_NOTICE}', true), '') AS notice)
  SELECT pg_current_wal_insert_lsn()::text AS lsn, n.notice, CASE WHEN n.notice IS NOT NULL THEN set_config('${COMMIT_NOTICE}', '', false) END AS cleared FROM n`;

/** A write's result, with the WAL position past its commit and the trigger's notice (undefined when not asked for). */
export interface Committed<T> {
  readonly result: T;
  readonly position: string | undefined;
  readonly notice: string | undefined;
}

interface Receipt {
  readonly wantPosition: boolean;
  position: string | undefined;
  /** What a trigger of the transaction left in the session setting COMMIT_NOTICE, if anything. */
  notice: string | undefined;
  readOnly: boolean;
  /** The connection failed after the COMMIT: not to be reused. */
  broken?: Error;
}

export class CommitReceipts {
  readonly #receipts = new AsyncLocalStorage<Receipt>();

  /**
   * The connector hook's step for one node: the adapter's connector, watching the transaction that runs in a
   * receipt. `created` is the node's pool as pg made it: a position read after a failed one goes there, outside any
   * bounded queue in front of it.
   */
  readonly connector = (base: Connector<PgClient>, created: PgPool): Connector<PgClient> => {
    const receipts = this.#receipts;
    return {
      ...base,
      async control(client, statement, prelude) {
        const receipt = receipts.getStore();
        await base.control(client, statement, prelude);
        if (statement !== 'COMMIT' || !receipt?.wantPosition) return;
        // The insert position read after COMMIT returned lies past the commit record, whatever synchronous_commit
        // says. It is a query of its own, not sent with the COMMIT: a connection cut between the two would turn a
        // committed write into an error. Once committed, the write succeeds; without its position it carries no token.
        try {
          const row = (await client.query<{ lsn: string; notice: string | null }>(POSITION_SQL)).rows[0];
          receipt.position = row?.lsn;
          receipt.notice = row?.notice ?? undefined;
        } catch (err) {
          receipt.broken = err as Error;
          // Another session: it knows no notice of ours (announcing then falls to the trigger's own NOTIFY).
          receipt.position = await created.query<{ lsn: string }>(POSITION_SQL).then(
            (r) => r.rows[0]?.lsn,
            () => undefined,
          );
        }
      },
      mapError(err) {
        const receipt = receipts.getStore();
        if (receipt && isReadOnly(err)) receipt.readOnly = true;
        return base.mapError(err);
      },
      // A connection that found its server read-only was opened before a failover: never hand it out again.
      release(client, broken) {
        const receipt = receipts.getStore();
        base.release(client, broken ?? receipt?.broken ?? (receipt?.readOnly ? new Error('the server is read-only under this connection') : undefined));
      },
    };
  };

  /**
   * Runs `fn` as a write on `db` (an adapter opened with `connector`), in a receipt; with `wantPosition`, also
   * returns the WAL position just past its commit. Inside a transaction it is a savepoint and the position is
   * undefined (the outer commit counts).
   */
  write<T>(db: Database, fn: (tx: Queryable) => Promise<T>, wantPosition: boolean): Promise<Committed<T>> {
    const receipt: Receipt = { wantPosition, position: undefined, notice: undefined, readOnly: false };
    return this.#receipts.run(receipt, async () => ({ result: await db.write(fn), position: receipt.position, notice: receipt.notice }));
  }
}
