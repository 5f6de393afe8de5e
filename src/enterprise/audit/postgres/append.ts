// The append on PostgreSQL: one CALL of the `audit_append_record` procedure (migration 0006), sent with the
// transaction's COMMIT in the same message (the Database's atCommit facet), so an audited mutation makes as many round
// trips as an unaudited one and the organization's head stays locked only while the server runs the call and
// commits. The procedure locks the head, stamps the time, makes the record's canonical encoding (record.ts's
// encodeRecord) from the fields it is given and chains its hash, inserts the record and moves the head; it returns
// nothing. (The previous release's `audit_append`, migration 0003, which took the encoding from its caller, stays
// callable for instances of that release during a rolling upgrade; a record it stored with an encoding other than its
// fields is named by `audit verify`.) If the call fails, PostgreSQL skips the COMMIT after it and the transaction machine rolls the whole
// transaction back: no change is ever kept without its record.
import { statement, type Database, type Queryable } from '../../../db/database.js';
import type { UnchainedRecord } from '../record.js';

export function appendRecord(db: Database, tx: Queryable, r: UnchainedRecord): Promise<void> {
  if (!db.atCommit) throw new TypeError('the audit append on PostgreSQL needs a Database that sends statements with its COMMIT (atCommit)');
  db.atCommit.add(
    tx,
    statement`CALL audit_append_record(${r.orgId}, ${r.id}, ${r.actorId}, ${r.tokenId}, ${r.action}, ${r.resourceType}, ${r.resourceId}, ${r.before}, ${r.after}, ${r.detail}, ${r.requestId}, ${r.ip}, ${r.userAgent})`,
  );
  return Promise.resolve();
}
