// Rechecking a chain from the database alone: every record must hash to its stored hash, follow the one before it,
// and the chain must end where its head says. Given the newest signed checkpoint of the chain (kept outside the
// database), the chain must also still reach the record it signed and carry the hash it signed there: what a chain
// cut at the end, erased, or rolled back and appended to again cannot fake without the key. The first place that
// fails is named with its seq and how it failed.
import { and, asc, eq, gt } from 'drizzle-orm';
import { rowLimit } from '../../db/prepared.js';
import type { AuditStore } from './chain.js';
import { GENESIS, hashRecord, type AuditRow } from './record.js';

export type ChainProblem = 'altered' | 'missing' | 'out-of-chain' | 'head-mismatch' | 'erased' | 'behind-checkpoint' | 'rewritten';
export const CHAIN_PROBLEMS: readonly ChainProblem[] = ['altered', 'missing', 'out-of-chain', 'head-mismatch', 'erased', 'behind-checkpoint', 'rewritten'];

export interface BrokenRecord {
  /** The sequence number where the chain breaks. */
  readonly seq: number;
  /** The record at that place, when there is one (a deleted record has none). */
  readonly id: string | null;
  readonly problem: ChainProblem;
  readonly message: string;
}

export interface ChainReport {
  readonly orgId: string;
  readonly ok: boolean;
  readonly records: number;
  /** The last record's seq and hash, as recomputed. */
  readonly head: { readonly seq: number; readonly hash: string };
  /** The signed checkpoint the chain was held to, when there was one. */
  readonly checkpoint?: { readonly seq: number; readonly at: string };
  readonly broken?: BrokenRecord;
}

/** A place in the chain a signed checkpoint vouches for (its signature already checked). */
export interface ChainMark {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

export interface VerifyOptions {
  /** The newest signed checkpoint of this chain: the chain must still reach its seq and carry its hash there. */
  readonly checkpoint?: ChainMark | undefined;
  /** The organization has had mutations (it exists, or a checkpoint names it): no chain at all means an erased one. */
  readonly mustExist?: boolean | undefined;
  /**
   * Start after this place, which a checkpoint vouched for, instead of at the chain's first record: the record there
   * must still carry its hash. The scheduler checks only what was appended since its last checkpoint.
   */
  readonly from?: ChainMark | undefined;
}

const BATCH = 1000;

export async function verifyChain(store: AuditStore, orgId: string, options: VerifyOptions = {}): Promise<ChainReport> {
  const { auditRecords: a, auditHeads: h } = store.tables;
  const { checkpoint, from } = options;
  let expectedSeq = (from?.seq ?? 0) + 1;
  let prevHash = from?.hash ?? GENESIS;
  let records = from?.seq ?? 0;
  const report = (broken?: BrokenRecord): ChainReport => ({
    orgId,
    ok: broken === undefined,
    records,
    head: { seq: expectedSeq - 1, hash: prevHash },
    ...(checkpoint ? { checkpoint: { seq: checkpoint.seq, at: checkpoint.at } } : {}),
    ...(broken ? { broken } : {}),
  });
  const name = (r: AuditRow) => `record seq ${r.seq} (id ${r.id}, ${r.action} at ${r.at.toISOString()})`;
  const rewritten = (r: AuditRow, mark: ChainMark) =>
    report({
      seq: r.seq,
      id: r.id,
      problem: 'rewritten',
      message: `${name(r)} is not the record the checkpoint taken ${mark.at} signed: it hashes to ${r.hash.slice(0, 16)}..., the checkpoint signed ${mark.hash.slice(0, 16)}... (the chain was rolled back and appended to again, or rewritten, at or before seq ${r.seq})`,
    });
  const cut = (last: number, headSeq: number, mark: ChainMark) =>
    report({
      seq: last + 1,
      id: null,
      problem: last === 0 && headSeq === 0 ? 'erased' : 'behind-checkpoint',
      message: `${last === 0 ? 'the chain has no records' : `the chain ends at seq ${last}`}${headSeq === last ? '' : ` (its head says seq ${headSeq})`}, but the checkpoint taken ${mark.at} covers seq ${mark.seq}: records seq ${last + 1} to ${mark.seq} were removed${last === 0 ? ' (the chain was erased)' : ' and the head moved back'}`,
    });

  if (from && from.seq > 0) {
    const [row] = await store.db.read((q) =>
      q
        .select()
        .from(a)
        .where(and(eq(a.orgId, orgId), eq(a.seq, from.seq))),
    );
    // The place itself is gone: the whole chain is walked against it, to say where it was cut.
    if (!row) return verifyChain(store, orgId, { checkpoint: from, mustExist: options.mustExist });
    if (row.hash !== from.hash) return rewritten(row, from);
  }

  // Records appended while this runs are verified too: after the last batch the head is read, and if it moved past
  // what was seen the walk goes on; only a head that stays ahead of the records means records are missing.
  for (;;) {
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
        if (checkpoint && row.seq === checkpoint.seq && hash !== checkpoint.hash) return rewritten(row, checkpoint);
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
    // A head older than the newest checkpoint: the end of the chain was cut and the head moved back with it.
    if (checkpoint && last < checkpoint.seq) return cut(last, headSeq, checkpoint);
    if (!head && last === 0 && options.mustExist) {
      return report({
        seq: 1,
        id: null,
        problem: 'erased',
        message:
          'the organization has no audit records and no chain head, though every organization has at least the record of its creation: its chain was erased (or it was made before the enterprise module was enabled)',
      });
    }
    return report();
  }
}

/**
 * Every organization whose chain should be checked: those with a chain head or records, those that exist (each one's
 * creation is a recorded mutation), and those a checkpoint names, so a chain that vanished is named rather than
 * silently left out. `known` are the ones that must have a chain.
 */
export async function chainOrgs(store: AuditStore, named: Iterable<string> = []): Promise<{ all: string[]; known: Set<string> }> {
  const { auditRecords: a, auditHeads: h } = store.tables;
  const o = store.db.tables.orgs;
  const [heads, records, orgs] = await Promise.all([
    store.db.read((q) => q.select({ orgId: h.orgId }).from(h)),
    store.db.read((q) => q.select({ orgId: a.orgId }).from(a).groupBy(a.orgId)),
    store.db.read((q) => q.select({ orgId: o.id }).from(o)),
  ]);
  const known = new Set([...orgs.map((r) => r.orgId), ...named]);
  const all = [...new Set([...heads, ...records].map((r) => r.orgId).concat([...known]))].sort();
  return { all, known };
}

/** Every chain in the database (and every one a checkpoint names), rechecked one after another in the order of the organization ids. */
export async function* verifyEveryChain(store: AuditStore, checkpoints: ReadonlyMap<string, ChainMark> = new Map()): AsyncGenerator<ChainReport> {
  const { all, known } = await chainOrgs(store, checkpoints.keys());
  for (const orgId of all) yield await verifyChain(store, orgId, { checkpoint: checkpoints.get(orgId), mustExist: known.has(orgId) });
}
