// The record and the chain's new head in one statement on PostgreSQL (a data-modifying CTE): one round trip less
// per audited change, inside the section the chain's lock keeps to one writer at a time. SQLite has no INSERT in a
// CTE, and no round trips to save: it runs the two statements (chain.ts).
import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../../db/database.js';
import { postgresHandle } from '../../../db/postgres/handle.js';
import type { EnterpriseTables } from '../../tables.js';
import type { AuditRow } from '../record.js';

export async function writeRecord(tx: Queryable, tables: EnterpriseTables, row: AuditRow): Promise<void> {
  const { auditRecords: a, auditHeads: h } = tables;
  const insert = tx.insert(a).values(row);
  const move = tx.update(h).set({ seq: row.seq, hash: row.hash }).where(eq(h.orgId, row.orgId));
  // getSQL(): embedded as builders they would be parenthesised as subqueries, which a top-level UPDATE cannot be.
  await postgresHandle(tx).execute(sql`WITH appended AS (${insert.getSQL()}) ${move.getSQL()}`);
}
