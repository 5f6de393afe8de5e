// The append on SQLite: the head read, the record and the head's move as statements compiled once per connection and
// run synchronously, with no await between them, inside the caller's write transaction. SQLite's single writer is
// the chain's lock (BEGIN IMMEDIATE holds the file's write lock, across processes too), so the head read needs none,
// and no other writer runs between the read and the move. drizzle would build each statement's SQL and compile it
// again on every call, which cost more than the statements themselves.
import { is } from 'drizzle-orm';
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Database, Queryable } from '../../../db/database.js';
import { GENESIS, hashRecord, type ChainHead, type UnchainedRecord } from '../record.js';

/** What is used of the better-sqlite3 connection drizzle holds (the driver itself stays in src/db/sqlite/). */
interface Statement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
}
interface Connection {
  prepare(sql: string): Statement;
}

interface Statements {
  readonly head: Statement;
  readonly born: Statement;
  readonly insert: Statement;
  readonly move: Statement;
}

const compiled = new WeakMap<Connection, Statements>();

function statementsOf(tx: Queryable): Statements {
  if (!is(tx, BaseSQLiteDatabase)) throw new TypeError('the SQLite audit append was given the query handle of another dialect');
  const conn = (tx as unknown as { $client: Connection }).$client;
  let s = compiled.get(conn);
  if (!s) {
    s = {
      head: conn.prepare('SELECT seq, hash FROM audit_heads WHERE org_id = ?'),
      born: conn.prepare('INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT DO NOTHING'),
      insert: conn.prepare(
        'INSERT INTO audit_records (id, org_id, seq, at, actor_id, token_id, action, resource_type, resource_id, before, after, detail, request_id, ip, user_agent, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      move: conn.prepare('UPDATE audit_heads SET seq = ?, hash = ? WHERE org_id = ?'),
    };
    compiled.set(conn, s);
  }
  return s;
}

export async function appendRecord(_db: Database, tx: Queryable, r: UnchainedRecord): Promise<void> {
  const s = statementsOf(tx);
  let head = s.head.get(r.orgId) as ChainHead | undefined;
  if (!head) {
    s.born.run(r.orgId, GENESIS);
    head = { seq: 0, hash: GENESIS };
  }
  const row = { ...r, seq: head.seq + 1, at: new Date(), prevHash: head.hash };
  const hash = hashRecord(row);
  s.insert.run(
    row.id,
    row.orgId,
    row.seq,
    row.at.getTime(),
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
    hash,
  );
  s.move.run(row.seq, hash, row.orgId);
}
