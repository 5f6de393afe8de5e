// DB_PREPARED_STATEMENTS=named (db/prepared.ts): the hot queries are prepared once per connection under a name made
// from their SQL text, so PostgreSQL parses them once there; unnamed, the default, keeps nothing in the session. A
// pooler that loses the session's statements is named in the error, with the setting that fixes it.
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseMisconfiguredError } from '../../src/db/errors.js';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { mapPostgresError } from '../../src/db/postgres/errors.js';
import { STATEMENT_NAME, statementNameOf, usePreparedStatementNames } from '../../src/db/prepared.js';
import { authenticate } from '../../src/domain/authentication.js';
import { DIALECTS, openFresh } from '../support/dialects.js';

afterEach(() => usePreparedStatementNames(false));

describe('statement names', () => {
  it('are made from the SQL text when on, one per text, and none when off', () => {
    expect(statementNameOf('SELECT 1')).toBe('');
    usePreparedStatementNames(true);
    const one = statementNameOf('SELECT 1');
    expect(one).toMatch(/^flagship_[0-9a-f]{32}$/);
    // What the error mapping looks for in a pooler's refusal.
    expect(one).toMatch(STATEMENT_NAME);
    expect(statementNameOf('SELECT 1')).toBe(one);
    expect(statementNameOf('SELECT 2')).not.toBe(one);
  });

  it('a statement a pooler lost is refused with the setting that fixes it', () => {
    for (const [code, message] of [
      ['26000', 'prepared statement "flagship_0123456789abcdef0123456789abcdef" does not exist'],
      ['42P05', 'prepared statement "flagship_0123456789abcdef0123456789abcdef" already exists'],
      // A server whose lc_messages is German.
      ['26000', 'vorbereitete Anweisung »flagship_0123456789abcdef0123456789abcdef« existiert nicht'],
    ]) {
      const mapped = mapPostgresError(Object.assign(new Error(message), { code, severity: 'ERROR' }));
      expect(mapped).toBeInstanceOf(DatabaseMisconfiguredError);
      expect((mapped as Error).message).toMatch(/set DB_PREPARED_STATEMENTS=unnamed, or PgBouncer's max_prepared_statements/);
    }
    // A statement of someone else's (a PREPARE in SQL) is not ours to explain.
    const other = Object.assign(new Error('prepared statement "mine" does not exist'), { code: '26000', severity: 'ERROR' });
    expect(mapPostgresError(other)).not.toBeInstanceOf(DatabaseMisconfiguredError);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('prepared statements on PostgreSQL', () => {
  /** The statements this database's one connection keeps, after a token lookup made twice. */
  async function keptAfterTwoLookups(): Promise<Array<{ name: string; statement: string }>> {
    const { db } = await openFresh('postgres', { poolMax: 1 });
    try {
      for (let i = 0; i < 2; i++) await Promise.resolve(authenticate(db, `fs_${'A'.repeat(43)}`)).catch(() => undefined);
      const { rows } = await db.read((q) =>
        postgresHandle(q).execute<{ name: string; statement: string }>(sql`SELECT name, statement FROM pg_prepared_statements`),
      );
      return rows;
    } finally {
      await db.close();
    }
  }

  it('named: the token lookup is prepared once on the connection, under its name', async () => {
    usePreparedStatementNames(true);
    const kept = await keptAfterTwoLookups();
    const lookup = kept.filter((s) => /from "tokens"/.test(s.statement));
    expect(lookup).toHaveLength(1);
    expect(lookup[0]!.name).toMatch(/^flagship_[0-9a-f]{32}$/);
  });

  it('unnamed (the default): the session keeps no statement', async () => {
    expect(await keptAfterTwoLookups()).toEqual([]);
  });
});
