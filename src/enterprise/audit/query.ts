// Reading the trail: filtered listings paged by cursor (newest first), and an export that walks the chain oldest
// first in fixed-size batches, so its memory stays the same whatever the number of records.
import { and, asc, eq, gt, gte, lte, type SQL } from 'drizzle-orm';
import { rowLimit } from '../../db/prepared.js';
import { keyset, type KeysetOrder } from '../../domain/pagination.js';
import type { Page, PageRequest } from '../../domain/schemas/page.js';
import { parseInstant } from '../../domain/instants.js';
import type { AuditStore } from './chain.js';
import { auditView, type AuditRow, type AuditView } from './record.js';
import type { AuditFilter } from './schemas.js';

function conditions(store: AuditStore, orgId: string, filter: AuditFilter): SQL[] {
  const a = store.tables.auditRecords;
  const out: SQL[] = [eq(a.orgId, orgId)];
  if (filter.actor !== undefined) out.push(eq(a.actorId, filter.actor));
  if (filter.action !== undefined) out.push(eq(a.action, filter.action));
  if (filter.resourceType !== undefined) out.push(eq(a.resourceType, filter.resourceType));
  if (filter.resourceId !== undefined) out.push(eq(a.resourceId, filter.resourceId));
  if (filter.from !== undefined) out.push(gte(a.at, parseInstant('querystring.from', filter.from)));
  if (filter.to !== undefined) out.push(lte(a.at, parseInstant('querystring.to', filter.to)));
  return out;
}

function newestFirst(store: AuditStore): KeysetOrder<AuditRow> {
  // seq is unique within an organization's chain, so it orders the listing alone.
  return { name: 'seq', column: store.tables.auditRecords.seq, kind: 'int', direction: 'desc', key: (r) => ({ value: r.seq, id: r.id }) };
}

export async function listAudit(store: AuditStore, orgId: string, filter: AuditFilter & PageRequest): Promise<Page<AuditView>> {
  const a = store.tables.auditRecords;
  const k = keyset(newestFirst(store), filter);
  const rows = await store.db.read((q) =>
    q
      .select()
      .from(a)
      .where(and(...conditions(store, orgId, filter), k.where))
      .orderBy(...k.orderBy)
      .limit(k.fetch),
  );
  return k.toPage(rows, auditView);
}

export const EXPORT_BATCH = 500;

/** Every matching record, oldest first, one batch in memory at a time. */
export async function* exportAudit(store: AuditStore, orgId: string, filter: AuditFilter): AsyncGenerator<AuditView> {
  const a = store.tables.auditRecords;
  const where = conditions(store, orgId, filter);
  let after = 0;
  for (;;) {
    const rows = await store.db.read((q) =>
      q
        .select()
        .from(a)
        .where(and(...where, gt(a.seq, after)))
        .orderBy(asc(a.seq))
        .limit(rowLimit(EXPORT_BATCH)),
    );
    for (const row of rows) yield auditView(row);
    if (rows.length < EXPORT_BATCH) return;
    after = rows[rows.length - 1]!.seq;
  }
}
