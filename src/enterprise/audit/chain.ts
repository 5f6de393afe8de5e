// Appending to an organization's hash chain. The append takes the chain's lock (Database.lock: an advisory lock on
// Postgres, the single writer on SQLite), reads the head, and writes the record and the new head in the caller's
// transaction: two writers of one organization, on one instance or two, queue on the lock, so the chain never forks
// (and the unique (org_id, seq) index would refuse a fork if it were ever tried).
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database, Queryable } from '../../db/database.js';
import type { EnterpriseTables } from '../tables.js';
import { GENESIS, canonicalJson, hashRecord, type AuditEntry, type AuditRow } from './record.js';

export interface AuditStore {
  readonly db: Database;
  readonly tables: EnterpriseTables;
}

export function chainLock(orgId: string): string {
  return `audit:${orgId}`;
}

/** Appends `entry` to its organization's chain inside `tx`; call it last in the transaction, the lock is held to commit. */
export async function append(tx: Queryable, store: AuditStore, entry: AuditEntry): Promise<AuditRow> {
  const { auditRecords: a, auditHeads: h } = store.tables;
  await store.db.lock(tx, chainLock(entry.orgId));
  const [head] = await tx.select().from(h).where(eq(h.orgId, entry.orgId));
  const unhashed = {
    id: randomUUID(),
    orgId: entry.orgId,
    seq: (head?.seq ?? 0) + 1,
    at: new Date(),
    actorId: entry.actorId ?? null,
    tokenId: entry.tokenId ?? null,
    action: entry.action,
    resourceType: entry.resource?.type ?? null,
    resourceId: entry.resource?.id ?? null,
    before: canonicalJson(entry.before),
    after: canonicalJson(entry.after),
    detail: canonicalJson(entry.detail),
    requestId: entry.requestId ?? null,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    prevHash: head?.hash ?? GENESIS,
  };
  const row: AuditRow = { ...unhashed, hash: hashRecord(unhashed) };
  await tx.insert(a).values(row);
  await tx.insert(h).values({ orgId: row.orgId, seq: row.seq, hash: row.hash }).onConflictDoUpdate({ target: h.orgId, set: { seq: row.seq, hash: row.hash } });
  return row;
}
