// Appending to an organization's hash chain, in the caller's transaction, so a change and its record commit or roll
// back together. The chain's head row (audit_heads) is its lock: on PostgreSQL the append locks it (a writer of the
// same organization, on this instance or another, waits there until this transaction ends, then chains onto the
// record it left); SQLite's single writer needs none. The unique (org_id, seq) index would refuse a fork if one were
// ever tried, and the head's triggers (migration 0002) let it move only forward, to a record that exists.
// Each dialect appends in its own way, for speed (audit/<dialect>/append.ts): PostgreSQL in one call of a database
// function sent with the COMMIT (so the record is written, and the head locked, only as the transaction commits),
// SQLite with statements compiled once and run without an await.
import type { Database, Queryable } from '../../db/database.js';
import { newId } from '../../db/schema/new-id.js';
import { VariantLacksError } from '../../errors.js';
import { buildHint, variant, type Dialect } from '../../variant.js';
import type { EnterpriseTables } from '../tables.js';
import { canonicalJson, type AuditEntry, type UnchainedRecord } from './record.js';

export type { ChainHead } from './record.js';

/**
 * Chains `record` onto its organization's head in the transaction of `tx` (on `db`) and moves the head, by the time
 * that transaction commits; the head stays locked to commit. The record's seq and hash are the chain's to decide.
 */
export type Appender = (db: Database, tx: Queryable, record: UnchainedRecord) => Promise<void>;

export interface AuditStore {
  readonly db: Database;
  readonly tables: EnterpriseTables;
  /** The dialect's append (`appenderFor`); absent where the trail is only read (the `audit` command). */
  readonly appendRecord?: Appender | undefined;
}

/** The append of `dialect`, loaded only in builds that carry it. */
export async function appenderFor(dialect: Dialect): Promise<Appender> {
  if (dialect === 'sqlite') {
    if (__DIALECT_SQLITE__) return (await import('./sqlite/append.js')).appendRecord;
  } else if (__DIALECT_POSTGRES__) {
    return (await import('./postgres/append.js')).appendRecord;
  }
  throw new VariantLacksError(`the "${variant.name}" build carries no ${dialect} adapter; ${buildHint(dialect)}`);
}

/**
 * Appends `entry` to its organization's chain in the transaction of `tx`, a transaction on `store.db`: committed with
 * it, or not at all. On PostgreSQL the record is written as the transaction commits, so it cannot be read back inside.
 */
export function append(tx: Queryable, store: AuditStore, entry: AuditEntry): Promise<void> {
  if (!store.appendRecord) throw new TypeError("this audit store only reads the trail; give it the dialect's appender (appenderFor) to append");
  return store.appendRecord(store.db, tx, {
    // Time-ordered, as the core's rows are: a new record's id lands at the end of the id index, on the page the last
    // record's went to, where a random one wrote a page of its own somewhere in the index on every append.
    id: newId(),
    orgId: entry.orgId,
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
  });
}
