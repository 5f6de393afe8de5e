// The append on PostgreSQL: one call of `audit_append` (migration 0003), one round trip. The function locks the
// organization's head, stamps the time, chains the hash over the canonical encoding the application sends in pieces
// (record.ts, encodeAround), inserts the record and moves the head, in the caller's transaction. Sent on the
// transaction's client as it is: an unnamed statement, as every query here is (db/prepared.ts says why), in array
// mode, without a query builder between.
import type { Queryable } from '../../../db/database.js';
import { postgresHandle } from '../../../db/postgres/handle.js';
import { encodeAround, type ChainHead, type UnchainedRecord } from '../record.js';

/** What is used of the pg client drizzle holds for a transaction. */
interface ArrayQueryClient {
  query(config: { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}

const APPEND = 'SELECT appended_seq, appended_hash FROM audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)';

function clientOf(tx: Queryable): ArrayQueryClient {
  const client = (postgresHandle(tx) as unknown as { $client?: Partial<ArrayQueryClient> }).$client;
  if (typeof client?.query !== 'function') throw new TypeError('the PostgreSQL query handle holds no pg client to append the audit record on');
  return client as ArrayQueryClient;
}

export async function appendRecord(tx: Queryable, r: UnchainedRecord): Promise<ChainHead> {
  const { head, middle, tail } = encodeAround(r);
  const { rows } = await clientOf(tx).query({
    text: APPEND,
    values: [
      r.orgId,
      r.id,
      r.actorId,
      r.tokenId,
      r.action,
      r.resourceType,
      r.resourceId,
      r.before,
      r.after,
      r.detail,
      r.requestId,
      r.ip,
      r.userAgent,
      head,
      middle,
      tail,
    ],
    rowMode: 'array',
  });
  const [seq, hash] = rows[0] as [number, string];
  return { seq, hash };
}
