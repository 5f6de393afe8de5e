// The dialects' appends (audit/<dialect>/append.ts; on PostgreSQL the audit_append_record procedure of migration 0006,
// which encodes the record and chains its hash in the database) must store exactly the hash the application's
// encoding gives, whatever the fields hold, so `audit verify` checks every record alike. The previous release's
// function (audit_append, 0003, kept for rolling upgrades) took the encoding from its caller: one that sends an
// encoding which does not match the fields it stores only makes a record that verify names.
import { randomUUID } from 'node:crypto';
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedDatabase, Queryable } from '../../src/db/database.js';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { append, appenderFor, type AuditStore } from '../../src/enterprise/audit/chain.js';
import { GENESIS, hashRecord } from '../../src/enterprise/audit/record.js';
import { auditRecorder } from '../../src/enterprise/audit/recorder.js';
import { verifyChain } from '../../src/enterprise/audit/verify.js';
import { enterpriseSchema } from '../../src/enterprise/tables.js';
import { encodeAround } from '../support/audit-encoding-in-pieces.js';
import { DIALECTS, openFresh } from '../support/dialects.js';

/** Text a hand-written encoder gets wrong: quotes, backslashes, control characters, separators, astral code points. */
const HOSTILE = ['"', '\\', '\\"', '\n\r\t\b\f', '\u0001\u001f\u007f', '\u2028\u2029', 'é 😀 \u{10ffff}', '</script>', "'; --", ',"x":1]', ''];

describe.each(DIALECTS)('audit append on %s', (dialect) => {
  let db: OpenedDatabase;
  let store: AuditStore;

  beforeAll(async () => {
    ({ db } = await openFresh(dialect));
    const schema = await enterpriseSchema(dialect);
    await db.admin.migrate(await schema.migrations());
    store = { db, tables: schema.tables, appendRecord: await appenderFor(dialect) };
  });
  afterAll(async () => {
    await db?.close();
  });

  const rows = (orgId: string) =>
    db.read((q) => q.select().from(store.tables.auditRecords).where(eq(store.tables.auditRecords.orgId, orgId)).orderBy(asc(store.tables.auditRecords.seq)));

  it('stores the hash of the application encoding for hostile text, chained, in concurrent organizations', async () => {
    const orgs = [randomUUID(), `org ${HOSTILE.join('|')}`, ''];
    await Promise.all(
      orgs.flatMap((orgId) =>
        HOSTILE.map((text, i) =>
          db.write((tx) =>
            append(tx, store, {
              orgId,
              actorId: text,
              tokenId: i % 2 ? undefined : text,
              action: `task.${text}`,
              resource: { type: text, id: text },
              before: { [text]: text, n: i, nested: [text, null, 1.5] },
              after: text,
              detail: i % 3 ? undefined : { text },
              requestId: text,
              ip: text,
              userAgent: text,
            }),
          ),
        ),
      ),
    );
    for (const orgId of orgs) {
      const chain = await rows(orgId);
      expect(chain.map((r) => r.seq)).toEqual(HOSTILE.map((_, i) => i + 1));
      let prev = GENESIS;
      for (const row of chain) {
        expect(row.prevHash).toBe(prev);
        expect(row.hash, `seq ${row.seq} of ${JSON.stringify(orgId)}`).toBe(hashRecord(row));
        prev = row.hash;
      }
      expect(await verifyChain(store, orgId)).toMatchObject({ ok: true, records: HOSTILE.length, head: { seq: HOSTILE.length, hash: prev } });
    }
  });

  it('stores the hash of the application encoding for any text a field may hold', async () => {
    // Any code point, NUL aside (neither database stores it in text); on PostgreSQL a lone surrogate is stored as the
    // driver encodes it, and the stored text is what the hash must cover.
    const text = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\0'));
    const optional = fc.option(text, { nil: undefined });
    const orgId = randomUUID();
    let appended = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          actorId: optional,
          tokenId: optional,
          action: text,
          type: text,
          id: text,
          value: fc.jsonValue(),
          requestId: optional,
          ip: optional,
          userAgent: optional,
        }),
        async (f) => {
          await db.write((tx) =>
            append(tx, store, {
              orgId,
              actorId: f.actorId,
              tokenId: f.tokenId,
              action: f.action,
              resource: { type: f.type, id: f.id },
              after: f.value,
              detail: f.actorId === undefined ? undefined : { note: f.action },
              requestId: f.requestId,
              ip: f.ip,
              userAgent: f.userAgent,
            }),
          );
          appended++;
          const last = (await rows(orgId)).at(-1)!;
          expect(last.seq).toBe(appended);
          expect(last.hash).toBe(hashRecord(last));
        },
      ),
      { numRuns: 150 },
    );
    expect(await verifyChain(store, orgId)).toMatchObject({ ok: true, records: appended });
  });

  describe('an audited mutation and its record commit together or not at all', () => {
    /** Raw SQL in `q`, on either dialect: the rows it returns. */
    const exec = async (q: Queryable, text: string): Promise<Record<string, unknown>[]> => {
      if (dialect === 'postgres') return (await postgresHandle(q).execute(sql.raw(text))).rows;
      const sqlite = q as unknown as { all(query: SQL): Record<string, unknown>[]; run(query: SQL): unknown };
      if (text.startsWith('SELECT')) return sqlite.all(sql.raw(text));
      sqlite.run(sql.raw(text));
      return [];
    };
    const things = async () => (await db.read((q) => exec(q, 'SELECT id FROM audited_things ORDER BY id'))).map((r) => r.id);
    /** The mutation the domain would make: a row, and its record through the ChangeRecorder seam. */
    const mutate = async (tx: Queryable, orgId: string, id: string, action = 'thing.create') => {
      await exec(tx, `INSERT INTO audited_things (id) VALUES ('${id}')`);
      await auditRecorder(store).record(tx, { orgId, action, resource: { type: 'thing', id }, after: { id }, actor: undefined, request: undefined });
    };

    beforeAll(async () => {
      await db.write(async (tx) => {
        await exec(tx, 'CREATE TABLE audited_things (id text PRIMARY KEY)');
        // A record the trail refuses, as a full disk, a broken trigger or a revoked right would.
        if (dialect === 'postgres') {
          await exec(
            tx,
            `CREATE FUNCTION refuse_test_record() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.action = 'test.refused' THEN RAISE EXCEPTION 'the trail refused this record'; END IF; RETURN NEW; END $$`,
          );
          await exec(tx, 'CREATE TRIGGER refuse_test_record BEFORE INSERT ON audit_records FOR EACH ROW EXECUTE FUNCTION refuse_test_record()');
        } else {
          await exec(
            tx,
            `CREATE TRIGGER refuse_test_record BEFORE INSERT ON audit_records WHEN NEW.action = 'test.refused' BEGIN SELECT RAISE(ABORT, 'the trail refused this record'); END`,
          );
        }
      });
    });

    it('a record the trail refuses takes its change with it: neither is kept, and the chain goes on from where it was', async () => {
      const orgId = randomUUID();
      await db.write((tx) => mutate(tx, orgId, 'r1'));
      const err = await db
        .write(async (tx) => {
          await mutate(tx, orgId, 'r2', 'test.refused');
          // Work after the append belongs to the same transaction.
          await exec(tx, `INSERT INTO audited_things (id) VALUES ('r2-after')`);
        })
        .catch((e: unknown) => e);
      expect(String((err as Error).message)).toMatch(/the trail refused this record/);
      expect(await things()).not.toEqual(expect.arrayContaining(['r2']));
      expect(await things()).not.toEqual(expect.arrayContaining(['r2-after']));
      expect((await rows(orgId)).map((r) => r.action)).toEqual(['thing.create']);
      await db.write((tx) => mutate(tx, orgId, 'r3'));
      expect((await rows(orgId)).map((r) => r.seq)).toEqual([1, 2]);
      expect(await verifyChain(store, orgId)).toMatchObject({ ok: true, records: 2 });
    });

    it('a record made inside a savepoint that rolls back goes with it; the transaction around it keeps its own', async () => {
      const orgId = randomUUID();
      await db.write(async (tx) => {
        await mutate(tx, orgId, 's1');
        await db
          .transaction(async () => {
            await mutate(tx, orgId, 's2-undone');
            throw new Error('the inner step fails');
          })
          .catch(() => undefined);
        await db.transaction(() => mutate(tx, orgId, 's3'));
      });
      expect(await things()).toEqual(expect.arrayContaining(['s1', 's3']));
      expect(await things()).not.toEqual(expect.arrayContaining(['s2-undone']));
      expect((await rows(orgId)).map((r) => [r.seq, r.resourceId])).toEqual([
        [1, 's1'],
        [2, 's3'],
      ]);
      expect(await verifyChain(store, orgId)).toMatchObject({ ok: true, records: 2 });
    });
  });

  if (dialect === 'postgres')
    it("(PostgreSQL only: its planner's) an append finds the head's record by (org_id, seq), not by reading the whole chain", async () => {
      // A database of its own, on one connection: the head check's plan is made there while the table is nearly empty,
      // as on a new deployment, and the backend's index statistics are all this test's.
      const own = await openFresh('postgres', { poolMax: 1 });
      try {
        const schema = await enterpriseSchema('postgres');
        await own.db.admin.migrate(await schema.migrations());
        const ownStore: AuditStore = { db: own.db, tables: schema.tables, appendRecord: store.appendRecord };
        const orgId = randomUUID();
        const APPENDS = 1500;
        for (let i = 0; i < APPENDS; i++) await own.db.write((tx) => append(tx, ownStore, { orgId, action: 'task.create', after: { i } }));
        // This backend's counts reach the shared statistics when its next statement ends.
        await own.db.read((q) => postgresHandle(q).execute(sql`SELECT pg_stat_force_next_flush()`));
        const { rows } = await own.db.read((q) =>
          postgresHandle(q).execute<{ index: string; scans: string; read: string }>(
            sql`SELECT indexrelname AS index, idx_scan AS scans, idx_tup_read AS read FROM pg_stat_user_indexes WHERE relname = 'audit_records'`,
          ),
        );
        const byIndex = Object.fromEntries(rows.map((r) => [r.index, { scans: Number(r.scans), read: Number(r.read) }]));
        // Each head move checks its record exists. Through the unique (org_id, seq) index that is one entry per append;
        // through (org_id, at) it is every record of the organization (1500 appends: over a million entries), which
        // the planner only finds as cheap while the table is small (a few hundred records).
        expect(byIndex.audit_records_org_seq_key!.scans).toBeGreaterThan(APPENDS / 2);
        expect(byIndex.audit_records_org_at_idx!.read).toBeLessThan((APPENDS * APPENDS) / 8);
        // Nor through any other filter index (a skip scan over (org_id, action, seq) would read as much).
        const filterReads = Object.entries(byIndex)
          .filter(([index]) => index !== 'audit_records_org_seq_key' && index !== 'audit_records_pkey')
          .reduce((sum, [, { read }]) => sum + read, 0);
        expect(filterReads).toBeLessThan((APPENDS * APPENDS) / 8);
      } finally {
        await own.db.close();
      }
    });

  if (dialect === 'postgres')
    it("(PostgreSQL only: its triggers') an append calls the head's record check, and not the forward-only function, whose WHEN conditions pass it", async () => {
      const orgId = randomUUID();
      await db.write((tx) => append(tx, store, { orgId, action: 'task.create' }));
      const calls = await db.write(async (tx) => {
        const q = postgresHandle(tx);
        // This transaction's own counts, which need no flush to the shared statistics.
        await q.execute(sql`SET LOCAL track_functions = 'pl'`);
        await q.execute(sql`CALL audit_append_record(${orgId}, ${randomUUID()}, NULL, NULL, 'task.update', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
        const { rows } = await q.execute<{ forward: string | null; named: string | null }>(
          sql`SELECT pg_stat_get_xact_function_calls('audit_heads_forward_only'::regproc) AS forward, pg_stat_get_xact_function_calls('audit_heads_name_a_record'::regproc) AS named`,
        );
        return rows[0]!;
      });
      // The record check counted shows the counting works; the forward-only function was never entered.
      expect(Number(calls.named)).toBe(1);
      expect(Number(calls.forward ?? 0)).toBe(0);
      expect(await verifyChain(store, orgId)).toMatchObject({ ok: true, records: 2 });
    });

  if (dialect === 'postgres')
    it("(PostgreSQL only: a rolling upgrade is its) the previous release's audit_append and this one's procedure chain onto each other", async () => {
      const orgId = randomUUID();
      const old = { id: randomUUID(), orgId, actorId: 'm1', tokenId: null, action: 'task.update', resourceType: 'task', resourceId: 't1' };
      const rest = { before: '{"title":"a"}', after: '{"title":"b"}', detail: null, requestId: 'r1', ip: '127.0.0.1', userAgent: 'old release' };
      const sent = encodeAround({ ...old, ...rest });
      await db.write((tx) => append(tx, store, { orgId, action: 'task.create', after: { title: 'a' } }));
      await db.write(async (tx) => {
        await postgresHandle(tx).execute(
          sql`SELECT * FROM audit_append(${orgId}, ${old.id}, ${old.actorId}, NULL, ${old.action}, ${old.resourceType}, ${old.resourceId}, ${rest.before}, ${rest.after}, NULL, ${rest.requestId}, ${rest.ip}, ${rest.userAgent}, ${sent.head}, ${sent.middle}, ${sent.tail})`,
        );
      });
      await db.write((tx) => append(tx, store, { orgId, action: 'task.delete' }));
      expect((await rows(orgId)).map((r) => [r.seq, r.action])).toEqual([
        [1, 'task.create'],
        [2, 'task.update'],
        [3, 'task.delete'],
      ]);
      expect(await verifyChain(store, orgId)).toMatchObject({ ok: true, records: 3 });
    });

  if (dialect === 'postgres')
    it("(PostgreSQL only: the function is its) a call of the previous release's audit_append whose encoding does not match its fields makes a record verify names", async () => {
      const orgId = randomUUID();
      await db.write((tx) => append(tx, store, { orgId, action: 'task.create' }));
      const stored = { id: randomUUID(), orgId, actorId: null, tokenId: null, action: 'task.delete', resourceType: null, resourceId: null };
      const rest = { before: null, after: null, detail: null, requestId: null, ip: null, userAgent: null };
      // The encoding of a harmless action, sent with the fields of another: the hash covers what was sent, not what is stored.
      const sent = encodeAround({ ...stored, ...rest, action: 'task.create' });
      await db.write(async (tx) => {
        await postgresHandle(tx).execute(
          sql`SELECT * FROM audit_append(${orgId}, ${stored.id}, NULL, NULL, ${stored.action}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ${sent.head}, ${sent.middle}, ${sent.tail})`,
        );
      });
      const report = await verifyChain(store, orgId);
      expect(report.ok).toBe(false);
      expect(report.broken).toMatchObject({ seq: 2, problem: 'altered' });
    });
});
