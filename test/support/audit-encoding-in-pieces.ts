// What the application sent to `audit_append` (PostgreSQL migration 0003), the append of the previous release, which
// stays in the database while a rolling upgrade replaces that release's instances: encodeRecord's text in the three
// pieces around what only the locked head knows, so that `head + seq + middle + JSON(at ISO text) + tail +
// JSON(prevHash) + ']'` is exactly encodeRecord of the full record (test/unit/audit-record.test.ts holds them equal).
import canonicalize from 'canonicalize';
import type { UnchainedRecord } from '../../src/enterprise/audit/record.js';

export function encodeAround(row: UnchainedRecord): { head: string; middle: string; tail: string } {
  const inner = (values: unknown[]) => canonicalize(values)!.slice(1, -1);
  return {
    head: `[${inner([1, row.orgId])},`,
    middle: `,${inner([row.id])},`,
    tail: `,${inner([row.actorId, row.tokenId, row.action, row.resourceType, row.resourceId, row.before, row.after, row.detail, row.requestId, row.ip, row.userAgent])},`,
  };
}
