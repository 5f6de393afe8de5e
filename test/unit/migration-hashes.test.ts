// Each migration is recorded by the SHA-256 of its SQL text, worked out when the module is built (build/sql-module.mjs)
// instead of at each start: it must be the hash of the file as it is, as it was when the start hashed it, or a database
// migrated before would refuse its own migrations as edited.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Migration } from '../../src/db/migrator.js';
import { postgresMigrations } from '../../src/db/postgres/migrate.js';
import { sqliteMigrations } from '../../src/db/sqlite/migrate.js';
import { migrations as enterprisePostgres } from '../../src/enterprise/postgres/migrate.js';
import { migrations as enterpriseSqlite } from '../../src/enterprise/sqlite/migrate.js';
import { sqlModule } from '../../build/sql-module.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SETS: Array<[string, () => Promise<Migration[]>]> = [
  ['src/db/sqlite/migrations', sqliteMigrations],
  ['src/db/postgres/migrations', postgresMigrations],
  ['src/enterprise/sqlite/migrations', enterpriseSqlite],
  ['src/enterprise/postgres/migrations', enterprisePostgres],
];

describe('migration hashes', () => {
  it.each(SETS)('%s: each is the SHA-256 of its file', async (folder, load) => {
    const loaded = await load();
    expect(loaded.length).toBeGreaterThan(0);
    for (const m of loaded) {
      const text = await readFile(path.join(ROOT, folder, `${m.tag.replace(/^enterprise:/, '')}.sql`), 'utf8');
      expect(m.hash, m.tag).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });

  it('are built into the module with the text they hash', () => {
    expect(sqlModule('SELECT 1;')).toBe(`export default "SELECT 1;";\nexport const sha256 = "${createHash('sha256').update('SELECT 1;').digest('hex')}";\n`);
  });
});
