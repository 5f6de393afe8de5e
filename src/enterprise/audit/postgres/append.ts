// The append on PostgreSQL: one call of `audit_append` (migration 0003), sent with the transaction's COMMIT in the
// same message (the Database's atCommit facet), so an audited mutation makes as many round trips as an unaudited one
// and the organization's head stays locked only while the server runs the call and commits. The function locks the
// head, stamps the time, chains the hash over the canonical encoding the application sends in pieces (record.ts,
// encodeAround), inserts the record and moves the head. If the call fails, PostgreSQL skips the COMMIT after it and
// the transaction machine rolls the whole transaction back: no change is ever kept without its record.
import { statement, type Database, type Queryable } from '../../../db/database.js';
import { encodeAround, type UnchainedRecord } from '../record.js';

export function appendRecord(db: Database, tx: Queryable, r: UnchainedRecord): Promise<void> {
  if (!db.atCommit) throw new TypeError('the audit append on PostgreSQL needs a Database that sends statements with its COMMIT (atCommit)');
  const { head, middle, tail } = encodeAround(r);
  db.atCommit.add(
    tx,
    statement`SELECT audit_append(${r.orgId}, ${r.id}, ${r.actorId}, ${r.tokenId}, ${r.action}, ${r.resourceType}, ${r.resourceId}, ${r.before}, ${r.after}, ${r.detail}, ${r.requestId}, ${r.ip}, ${r.userAgent}, ${head}, ${middle}, ${tail})`,
  );
  return Promise.resolve();
}
