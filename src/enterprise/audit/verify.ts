// Rechecking a chain from the database alone: every record must hash to its stored hash, follow the one before it,
// and the chain must end where its head says. The first record that fails is named with how it failed.
import { and, asc, eq, gt } from 'drizzle-orm';
import { rowLimit } from '../../db/prepared.js';
import type { AuditStore } from './chain.js';
import { GENESIS, hashRecord, type AuditRow } from './record.js';

export interface BrokenRecord {
  /** The sequence number where the chain breaks. */
  readonly seq: number;
  /** The record at that place, when there is one (a deleted record has none). */
  readonly id: string | null;
  readonly problem: 'altered' | 'missing' | 'out-of-chain' | 'head-mismatch';
  readonly message: string;
}

export interface ChainReport {
  readonly orgId: string;
  readonly ok: boolean;
  readonly records: number;
  /** The last record's seq and hash, as recomputed. */
  readonly head: { readonly seq: number; readonly hash: string };
  readonly broken?: BrokenRecord;
}

const BATCH = 1000;

export async function verifyChain(store: AuditStore, orgId: string): Promise<ChainReport> {
  const { auditRecords: a, auditHeads: h } = store.tables;
  let expectedSeq = 1;
  let prevHash = GENESIS;
  let records = 0;
  const report = (broken?: BrokenRecord): ChainReport => ({
    orgId,
    ok: broken === undefined,
    records,
    head: { seq: expectedSeq - 1, hash: prevHash },
    ...(broken ? { broken } : {}),
  });
  const name = (r: AuditRow) => `record seq ${r.seq} (id ${r.id}, ${r.action} at ${r.at.toISOString()})`;
  // Records appended while this runs are verified too: after the last batch the head is read, and if it moved past
  // what was seen the walk goes on; only a head that stays ahead of the records means records are missing.
  for (let stable = false; !stable;) {
    for (;;) {
      const rows = await store.db.read((q) =>
        q
          .select()
          .from(a)
          .where(and(eq(a.orgId, orgId), gt(a.seq, expectedSeq - 1)))
          .orderBy(asc(a.seq), asc(a.id))
          .limit(rowLimit(BATCH)),
      );
      for (const row of rows) {
        if (row.seq !== expectedSeq) {
          return report({
            seq: expectedSeq,
            id: null,
            problem: 'missing',
            message: `record seq ${expectedSeq} is missing: the chain goes from seq ${expectedSeq - 1} to ${name(row)}`,
          });
        }
        const { hash, ...rest } = row;
        if (row.prevHash !== prevHash) {
          return report({
            seq: row.seq,
            id: row.id,
            problem: 'out-of-chain',
            message: `${name(row)} does not follow the record before it: its prevHash ${row.prevHash.slice(0, 16)}... is not ${prevHash.slice(0, 16)}..., that record's hash (inserted, or the one before it was replaced)`,
          });
        }
        const recomputed = hashRecord(rest);
        if (recomputed !== hash) {
          return report({
            seq: row.seq,
            id: row.id,
            problem: 'altered',
            message: `${name(row)} was altered: its content hashes to ${recomputed.slice(0, 16)}..., not the stored ${hash.slice(0, 16)}...`,
          });
        }
        records += 1;
        expectedSeq += 1;
        prevHash = hash;
      }
      if (rows.length < BATCH) break;
    }
    const [head] = await store.db.read((q) => q.select().from(h).where(eq(h.orgId, orgId)));
    const last = expectedSeq - 1;
    const headSeq = head?.seq ?? 0;
    if (headSeq > last) {
      // Either appended meanwhile (the next pass finds them) or gone: a pass that finds nothing new decides.
      const [next] = await store.db.read((q) =>
        q
          .select({ seq: a.seq })
          .from(a)
          .where(and(eq(a.orgId, orgId), gt(a.seq, last)))
          .limit(rowLimit(1)),
      );
      if (next) continue;
      return report({
        seq: last + 1,
        id: null,
        problem: 'missing',
        message: `record seq ${last + 1} is missing: the chain ends at seq ${last} but its head says seq ${headSeq} (records were removed from the end)`,
      });
    }
    if (headSeq < last) {
      const [extra] = await store.db.read((q) =>
        q
          .select()
          .from(a)
          .where(and(eq(a.orgId, orgId), eq(a.seq, headSeq + 1))),
      );
      return report({
        seq: headSeq + 1,
        id: extra?.id ?? null,
        problem: 'out-of-chain',
        message: `${extra ? name(extra) : `record seq ${headSeq + 1}`} is not part of the chain: the chain head ends at seq ${headSeq} (a record was inserted)`,
      });
    }
    if (head && head.hash !== prevHash) {
      return report({
        seq: last,
        id: null,
        problem: 'head-mismatch',
        message: `the chain head says record seq ${head.seq} has hash ${head.hash.slice(0, 16)}..., but that record hashes to ${prevHash.slice(0, 16)}... (the chain was rewritten)`,
      });
    }
    stable = true;
  }
  return report();
}

/** Every organization with an audit chain (and '' for refusals that belong to none). */
async function chainOrgs(store: AuditStore): Promise<string[]> {
  const { auditRecords: a, auditHeads: h } = store.tables;
  const [heads, records] = await Promise.all([
    store.db.read((q) => q.select({ orgId: h.orgId }).from(h)),
    store.db.read((q) => q.select({ orgId: a.orgId }).from(a).groupBy(a.orgId)),
  ]);
  return [...new Set([...heads, ...records].map((r) => r.orgId))].sort();
}

/** Every chain in the database, rechecked one after another, in the order of the organization ids. */
export async function* verifyEveryChain(store: AuditStore): AsyncGenerator<ChainReport> {
  for (const orgId of await chainOrgs(store)) yield await verifyChain(store, orgId);
}
