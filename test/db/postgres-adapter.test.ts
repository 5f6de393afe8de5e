// What only the Postgres adapter has to get right: pool limits, refusing a replica, statement timeouts.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { statement, type Queryable, type StatementValue } from '../../src/db/database.js';
import { DatabaseUnavailableError, PrimaryRequiredError, UniqueViolationError, UnstorableValueError } from '../../src/db/errors.js';
import { openPostgres, type PostgresOptions } from '../../src/db/postgres/driver.js';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { gatedPool } from '../../src/db/postgres/pool.js';
import { openSqlite } from '../../src/db/sqlite/driver.js';
import { createDatabase, replicaUrl, waitForReplay } from '../support/postgres/index.js';
import { DIALECTS } from '../support/dialects.js';
import { waitFor } from '../support/wait.js';

const base = {
  max: 2,
  connectionTimeoutMs: 5000,
  idleTimeoutMs: 1000,
  statementTimeoutMs: 30_000,
  maxLifetimeSeconds: 0,
  applicationName: 'flagship-test',
} satisfies Omit<PostgresOptions, 'url'>;

describe.runIf(DIALECTS.includes('postgres'))('Postgres adapter', () => {
  let url: string;
  beforeAll(async () => {
    url = await createDatabase(inject('pg'), `pga_${Date.now()}`);
  });

  it('answers 503 when every pooled connection stays busy past the acquire timeout', async () => {
    const db = openPostgres({ ...base, url, max: 1, connectionTimeoutMs: 300 });
    let release: (() => void) | undefined;
    const holding = db.transaction(() => new Promise<void>((r) => (release = r)));
    await waitFor('the only connection held by a transaction', () => release !== undefined);
    const err = await db.transaction(async () => 'never').catch((e: unknown) => e);
    release!();
    await holding;
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/all 1 database connections stayed busy for 300 ms; retry shortly, or raise DB_POOL_MAX/);
    expect((err as DatabaseUnavailableError).publicMessage).toBe('the server is too busy to take this request now; retry shortly');
    await db.close();
  });

  it('maps a statement timeout to 503 with the setting to change', async () => {
    const db = openPostgres({ ...base, url, statementTimeoutMs: 100 });
    const err = await db.read((q) => postgresHandle(q).execute(sql`select pg_sleep(2)`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/statement timeout \(DB_STATEMENT_TIMEOUT_MS\)/);
    // A tenant is told what happened, not the setting behind it.
    expect((err as DatabaseUnavailableError).publicMessage).toBe('the request took longer than the server allows a query; retry');
    await db.close();
  });

  it('refuses a server in recovery where it needs a primary, naming the fix', async () => {
    const info = inject('pg');
    expect(info.replicas.length).toBeGreaterThan(0);
    await waitForReplay(info);
    const db = openPostgres({ ...base, url: replicaUrl(url, info.replicas[0]!) });
    const err = await db.admin.verify().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrimaryRequiredError);
    expect((err as Error).message).toMatch(/is a server in recovery \(a read replica or a standby\); DATABASE_URL must name the primary/);
    // A write there is refused as read-only (25006): to a tenant without the failover it may mean.
    const refused = await db.write((tx) => postgresHandle(tx).execute(sql`create table read_only_probe (id int)`)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseUnavailableError);
    expect((refused as Error).message).toMatch(/the database is read-only \(a server in recovery, or one being demoted\)/);
    expect((refused as DatabaseUnavailableError).publicMessage).toBe('the database takes no writes just now; retry shortly');
    await db.close();
  });

  it("hands Postgres-only code its handle, and refuses another dialect's", async () => {
    const db = openPostgres({ ...base, url });
    const [row] = await db.read(async (q) => (await postgresHandle(q).execute<{ n: number }>(sql`select 41 + 1 as n`)).rows);
    expect(row).toEqual({ n: 42 });
    await db.close();
    const sqlite = openSqlite({ file: ':memory:', busyTimeoutMs: 100 });
    await expect(sqlite.read(async (q) => postgresHandle(q))).rejects.toThrow(/given the query handle of another dialect/);
    await sqlite.close();
  });

  it('runs its connections through the connector hook: the pool it is given back, and the connector that observes each transaction', async () => {
    const statements: string[] = [];
    let created: unknown;
    let queries = 0;
    const db = openPostgres({
      ...base,
      url,
      connector: {
        // A pool in front of the adapter's own, counting what reaches it.
        pool: (pool) => {
          created = pool;
          return gatedPool(pool, () => queries++);
        },
        connector: (own, pool) => {
          expect(pool).toBe(created);
          return { ...own, control: async (client, statement, prelude) => (statements.push(statement), own.control(client, statement, prelude)) };
        },
      },
    });
    try {
      await db.write((tx) => db.transaction(async () => postgresHandle(tx).execute(sql`select 1`)));
      expect(statements).toEqual(['BEGIN', 'SAVEPOINT sp_1', 'RELEASE SAVEPOINT sp_1', 'COMMIT']);
      await db.read((q) => postgresHandle(q).execute(sql`select 1`));
      // One connection checked out for the write, one query on the pool for the read.
      expect(queries).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('accepts the primary', async () => {
    const db = openPostgres({ ...base, url });
    await expect(db.admin.verify()).resolves.toBeUndefined();
    await db.close();
  });
  describe('statements sent with the COMMIT (atCommit)', () => {
    const controls: [string, number][] = [];
    let db: ReturnType<typeof openPostgres>;
    const bodies = async () =>
      (await db.read((q) => postgresHandle(q).execute<{ id: string; body: string | null }>(sql`SELECT id, body FROM at_commit ORDER BY id`))).rows;
    const put = (tx: Queryable, id: string, body: StatementValue = id) =>
      db.atCommit.add(tx, statement`INSERT INTO at_commit (id, body) VALUES (${id}, ${body})`);

    beforeAll(async () => {
      db = openPostgres({
        ...base,
        url,
        connector: {
          connector: (own) => ({
            ...own,
            control: async (client, text, prelude) => (controls.push([text, prelude?.length ?? 0]), own.control(client, text, prelude)),
          }),
        },
      });
      await db.write((tx) => postgresHandle(tx).execute(sql`CREATE TABLE at_commit (id text PRIMARY KEY, body text)`));
    });
    afterAll(async () => {
      await db?.close();
    });

    it('runs them in the COMMIT round trip, in order, after everything else the transaction did', async () => {
      controls.length = 0;
      const seenInside = await db.write(async (tx) => {
        put(tx, 'a1');
        put(tx, 'a2');
        // Nothing is sent before the COMMIT: the transaction itself does not see the rows yet.
        return (await postgresHandle(tx).execute(sql`SELECT count(*)::int AS n FROM at_commit WHERE id LIKE 'a%'`)).rows[0];
      });
      expect(seenInside).toEqual({ n: 0 });
      expect(controls).toEqual([
        ['BEGIN', 0],
        ['COMMIT', 2],
      ]);
      expect((await bodies()).filter((r) => r.id.startsWith('a'))).toEqual([
        { id: 'a1', body: 'a1' },
        { id: 'a2', body: 'a2' },
      ]);
    });

    it('inlines hostile values exactly as given: quotes, backslashes, dollar quotes, comments, semicolons, unicode', async () => {
      const hostile = ["'", "''", '\\', "\\'", "E'\\x41'", "'); DROP TABLE at_commit; --", '$$ $a$', '/* x', '\n\r\t', 'é 😀 \u{10ffff}', '\u2028', ''];
      await db.write(async (tx) => hostile.forEach((body, i) => put(tx, `h${String(i).padStart(2, '0')}`, body)));
      await db.write(async (tx) => (put(tx, 'n1', null), put(tx, 'n2', -1.5), put(tx, 'n3', true)));
      const rows = await bodies();
      expect(rows.filter((r) => r.id.startsWith('h')).map((r) => r.body)).toEqual(hostile);
      expect(rows.filter((r) => r.id.startsWith('n'))).toEqual([
        { id: 'n1', body: null },
        { id: 'n2', body: '-1.5' },
        { id: 'n3', body: 'true' },
      ]);
    });

    it('rolls the whole transaction back when one of them fails, and throws its error mapped', async () => {
      await db.write(async (tx) => put(tx, 'dup'));
      const err = await db
        .write(async (tx) => {
          await postgresHandle(tx).execute(sql`INSERT INTO at_commit (id, body) VALUES ('kept?', 'no')`);
          put(tx, 'before-dup');
          put(tx, 'dup');
          put(tx, 'after-dup');
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueViolationError);
      const ids = (await bodies()).map((r) => r.id);
      expect(ids).not.toContain('kept?');
      expect(ids).not.toContain('before-dup');
      expect(ids).not.toContain('after-dup');
      // The connections went back clean: the next transactions on the pool commit.
      await db.write(async (tx) => put(tx, 'next1'));
      await db.write(async (tx) => put(tx, 'next2'));
      expect((await bodies()).map((r) => r.id)).toEqual(expect.arrayContaining(['next1', 'next2']));
    });

    it('refuses a NUL character, and commits nothing of the transaction', async () => {
      const err = await db
        .write(async (tx) => {
          await postgresHandle(tx).execute(sql`INSERT INTO at_commit (id, body) VALUES ('nul-change', 'no')`);
          put(tx, 'nul', 'a\u0000b');
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnstorableValueError);
      expect((await bodies()).map((r) => r.id)).not.toContain('nul-change');
    });

    it('drops what a savepoint added when it rolls back, and keeps what a released one added', async () => {
      await db.write(async (tx) => {
        put(tx, 's-outer');
        await db
          .transaction(async () => {
            put(tx, 's-undone');
            throw new Error('inner failure');
          })
          .catch(() => undefined);
        await db.transaction(async () => {
          put(tx, 's-kept');
          await db.transaction(async () => put(tx, 's-deeper'));
          await db
            .transaction(async () => {
              put(tx, 's-deep-undone');
              throw new Error('deep failure');
            })
            .catch(() => undefined);
        });
        put(tx, 's-last');
      });
      expect((await bodies()).map((r) => r.id).filter((id) => id.startsWith('s-'))).toEqual(['s-deeper', 's-kept', 's-last', 's-outer']);
    });

    it('refuses a statement outside a transaction, or for another transaction than the one running', async () => {
      const outside = await db.read(async (q) => q);
      expect(() => db.atCommit.add(outside, statement`SELECT 1`)).toThrow(/outside the transaction of the handle it was given/);
      const other = openPostgres({ ...base, url });
      try {
        const err = await db.write(async () => other.write(async (tx2) => db.atCommit.add(tx2, statement`SELECT 1`))).catch((e: unknown) => e);
        expect((err as Error).message).toMatch(/outside the transaction of the handle it was given/);
      } finally {
        await other.close();
      }
      const sqlite = openSqlite({ file: ':memory:', busyTimeoutMs: 100 });
      expect((sqlite as { atCommit?: unknown }).atCommit).toBeUndefined();
      await sqlite.close();
    });
  });
});
