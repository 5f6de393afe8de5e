// Values inlined into the COMMIT's message (atCommit, inline-statement.ts) read back exactly as given whatever the
// session says: standard_conforming_strings off and backslash_quote on (set on the database or asked for in the
// connection string), and a client-only multibyte encoding asked for, under which a backslash could hide inside a
// character and a doubled one go single.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { statement } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres/driver.js';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { createDatabase } from '../support/postgres/index.js';
import { DIALECTS } from '../support/dialects.js';

const options = { max: 2, connectionTimeoutMs: 5000, idleTimeoutMs: 1000, statementTimeoutMs: 30_000, maxLifetimeSeconds: 0, applicationName: 'flagship-test' };

// Each of these, inlined, must stay one literal. The U+0081 ones end in the byte 0x81, which SJIS reads as the first
// byte of a character whose second byte may be a backslash: with SJIS as the session's encoding, "\u0081\\'" would
// close its literal early and run what follows.
const HOSTILE = [
  "'",
  "''",
  '\\',
  "\\'",
  "\\''; DROP TABLE lit; --",
  "\u0081\\'; DROP TABLE lit; --",
  "\u0081\\\\'); DROP TABLE lit; --",
  '\u00815c\\',
  "E'\\x41'",
  '$$ $a$',
  '\u00e9 \u{1f600} \u{10ffff}',
  'x'.repeat(1 << 20),
];

describe.runIf(DIALECTS.includes('postgres'))('inlined literals under hostile session defaults', () => {
  let url: string;
  beforeAll(async () => {
    const name = `lit_${Date.now()}`;
    url = await createDatabase(inject('pg'), name);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (const setting of ['standard_conforming_strings = off', 'backslash_quote = on', "client_encoding = 'SJIS'"]) {
        await admin.query(`ALTER DATABASE ${name} SET ${setting}`);
      }
      await admin.query('CREATE TABLE lit (id int PRIMARY KEY, body text)');
    } finally {
      await admin.end();
    }
  });

  // The database's defaults, and the same asked for by the connection string (an operator's DATABASE_URL).
  const ways = [
    ['set on the database', ''],
    ['asked for in DATABASE_URL', '?options=-c%20client_encoding%3DSJIS%20-c%20standard_conforming_strings%3Doff%20-c%20backslash_quote%3Don'],
  ] as const;
  it.each(ways)('keeps every value one literal, read back exactly, and runs nothing else (%s)', async (_, query) => {
    const db = openPostgres({ ...options, url: url + query });
    try {
      const show = async (name: string) =>
        Object.values((await db.read((q) => postgresHandle(q).execute<Record<string, string>>(sql.raw(`SHOW ${name}`)))).rows[0]!)[0];
      // The settings took, bar the encoding: the driver asks for UTF8 as it connects, which is what keeps a backslash
      // from hiding inside a multibyte character.
      expect([await show('standard_conforming_strings'), await show('backslash_quote'), await show('client_encoding')]).toEqual(['off', 'on', 'UTF8']);
      const base = query ? 100 : 0;
      for (const [i, body] of HOSTILE.entries()) {
        await db.write(async (tx) => db.atCommit.add(tx, statement`INSERT INTO lit (id, body) VALUES (${base + i}, ${body})`));
      }
      const rows = (
        await db.read((q) =>
          postgresHandle(q).execute<{ id: number; body: string }>(sql`SELECT id, body FROM lit WHERE id >= ${base} AND id < ${base + 100} ORDER BY id`),
        )
      ).rows;
      expect(rows.map((r) => r.body)).toEqual(HOSTILE);
    } finally {
      await db.close();
    }
  });
});
