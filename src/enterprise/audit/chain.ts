// Appending to an organization's hash chain. The chain's head row (audit_heads) is its lock: the append reads it FOR
// UPDATE on Postgres (a writer of the same organization, on this instance or another, waits there until this
// transaction ends, then reads the head it left), SQLite's single writer needs none. The record and the new head are
// written in the caller's transaction, so the chain never forks; the unique (org_id, seq) index would refuse a fork
// if it were ever tried.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database, Queryable } from '../../db/database.js';
import { locked } from '../../domain/locks.js';
import type { EnterpriseTables } from '../tables.js';
import { GENESIS, canonicalJson, hashRecord, type AuditEntry, type AuditRow } from './record.js';

export interface AuditStore {
  readonly db: Database;
  readonly tables: EnterpriseTables;
  /** Writes the record and moves the head in one statement, where the dialect can (postgres/write-record.ts). */
  readonly writeRecord?: ((tx: Queryable, tables: EnterpriseTables, row: AuditRow) => Promise<void>) | undefined;
}

/** The organization's chain head, locked until the transaction ends; made (at seq 0) on its first record. */
async function lockedHead(tx: Queryable, store: AuditStore, orgId: string): Promise<{ seq: number; hash: string }> {
  const h = store.tables.auditHeads;
  const read = async () => (await locked(store.db, tx.select({ seq: h.seq, hash: h.hash }).from(h).where(eq(h.orgId, orgId))))[0];
  const head = await read();
  if (head) return head;
  // Two first appends may race here: the second insert waits for the first, then does nothing, and both read it.
  await tx.insert(h).values({ orgId, seq: 0, hash: GENESIS }).onConflictDoNothing();
  return (await read())!;
}

/** Appends `entry` to its organization's chain inside `tx`; call it last in the transaction, the head stays locked to commit. */
export async function append(tx: Queryable, store: AuditStore, entry: AuditEntry): Promise<AuditRow> {
  const { auditRecords: a, auditHeads: h } = store.tables;
  const head = await lockedHead(tx, store, entry.orgId);
  const unhashed = {
    id: randomUUID(),
    orgId: entry.orgId,
    seq: head.seq + 1,
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
    prevHash: head.hash,
  };
  const row: AuditRow = { ...unhashed, hash: hashRecord(unhashed) };
  if (store.writeRecord) {
    await store.writeRecord(tx, store.tables, row);
  } else {
    await tx.insert(a).values(row);
    await tx.update(h).set({ seq: row.seq, hash: row.hash }).where(eq(h.orgId, row.orgId));
  }
  return row;
}
