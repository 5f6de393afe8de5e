// An audit record and its hash. The hash covers a canonical encoding (RFC 8785 JSON, through `canonicalize`) of
// every field of the record and the previous record's hash, so changing any field, or the order of the chain,
// changes the hash. The application computes it on SQLite and for `audit verify`; on PostgreSQL the append procedure
// (migration 0006, audit_append_record) builds the same text in SQL, with this version and this field order written
// into it: a change to either needs a new procedure (test/enterprise/audit-append.test.ts holds the two equal).
import canonicalize from 'canonicalize';
import { sha256Hex } from '../../domain/sha256.js';
import type { EnterpriseTables } from '../tables.js';

export type AuditRow = EnterpriseTables['auditRecords']['$inferSelect'];

/** The previous hash of each organization's first record. */
export const GENESIS = '0'.repeat(64);
/** Bumped if the encoding below ever changes, so old records keep verifying under the version they were made with (and the PostgreSQL procedure with it). */
const ENCODING_VERSION = 1;

/** What a caller states; the chain adds id, seq, time and hashes. */
export interface AuditEntry {
  /** '' for a refusal that belongs to no organization (an unknown token). */
  readonly orgId: string;
  readonly actorId?: string | undefined;
  readonly tokenId?: string | undefined;
  readonly action: string;
  readonly resource?: { readonly type: string; readonly id: string } | undefined;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly detail?: unknown;
  readonly requestId?: string | undefined;
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** Canonical JSON text of a value, or null for none. */
export function canonicalJson(value: unknown): string | null {
  if (value === undefined) return null;
  // A value with no JSON form (a function) is recorded as none rather than failing the change.
  return canonicalize(value) ?? null;
}

/** The bytes a record's hash covers: every stored field but the hash itself, in a fixed order. */
export function encodeRecord(row: Omit<AuditRow, 'hash'>): string {
  return canonicalize([
    ENCODING_VERSION,
    row.orgId,
    row.seq,
    row.id,
    row.at.toISOString(),
    row.actorId,
    row.tokenId,
    row.action,
    row.resourceType,
    row.resourceId,
    row.before,
    row.after,
    row.detail,
    row.requestId,
    row.ip,
    row.userAgent,
    row.prevHash,
  ])!;
}

/** A record's fields but those the chain's locked head decides: its place, its time and the previous hash. */
export type UnchainedRecord = Omit<AuditRow, 'seq' | 'at' | 'prevHash' | 'hash'>;

export function hashRecord(row: Omit<AuditRow, 'hash'>): string {
  return sha256Hex(encodeRecord(row));
}

/** A record as the API shows it. */
export function auditView(row: AuditRow) {
  const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));
  return {
    id: row.id,
    seq: row.seq,
    at: row.at.toISOString(),
    action: row.action,
    actor: row.actorId === null ? null : { memberId: row.actorId, tokenId: row.tokenId },
    resource: row.resourceType === null ? null : { type: row.resourceType, id: row.resourceId },
    before: parse(row.before),
    after: parse(row.after),
    detail: parse(row.detail),
    request: { id: row.requestId, ip: row.ip, userAgent: row.userAgent },
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
export type AuditView = ReturnType<typeof auditView>;

/** The chain's head once a record is appended: that record's seq and hash. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}
