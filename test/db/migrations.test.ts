// Migrations on every dialect: each in its own transaction, recorded, idempotent, and a failure leaves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { MigrationError, runMigrations, type Migration } from '../../src/db/migrator.js';
import { DIALECTS, migrationAccess, openFresh, type RawMigrationAccess } from '../support/dialects.js';

const good: Migration = {
  tag: '9000_extra',
  hash: 'h-extra',
  statements: ['CREATE TABLE extra_one (id integer PRIMARY KEY)', 'CREATE TABLE extra_two (id integer PRIMARY KEY)'],
};
const bad: Migration = {
  tag: '9001_broken',
  hash: 'h-broken',
  statements: ['CREATE TABLE half_done (id integer PRIMARY KEY)', 'CREATE TABLE this is not sql'],
};

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let db: Database;
  let raw: RawMigrationAccess;

  beforeAll(async () => {
    const opened = await openFresh(dialect);
    db = opened.db;
    raw = await migrationAccess(dialect, opened.location);
  });
  afterAll(async () => {
    await raw?.close();
    await db?.close();
  });

  it('ran the generated schema at open and records it', async () => {
    expect(await raw.tableExists('tasks')).toBe(true);
    expect([...(await raw.target.applied()).keys()]).toEqual(['0000_init']);
  });

  it('applies a new migration once, then skips it', async () => {
    expect(await runMigrations([good], raw.target)).toEqual({ applied: ['9000_extra'], alreadyApplied: 0 });
    expect(await runMigrations([good], raw.target)).toEqual({ applied: [], alreadyApplied: 1 });
    expect(await raw.tableExists('extra_two')).toBe(true);
  });

  it('rolls back a failed migration completely and does not record it', async () => {
    const err = await runMigrations([bad], raw.target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/migration 9001_broken failed and was rolled back; the database is as it was before it/);
    expect(await raw.tableExists('half_done')).toBe(false);
    expect((await raw.target.applied()).has('9001_broken')).toBe(false);
  });

  it('refuses an applied migration whose contents changed', async () => {
    await expect(runMigrations([{ ...good, hash: 'edited' }], raw.target)).rejects.toThrow(
      /migration 9000_extra was applied with different contents.*never edit an applied migration/,
    );
  });
});
