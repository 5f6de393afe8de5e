// Both physical schemas must infer identical row types: the domain is written once against them. The type assertions
// are checked by `tsc --noEmit` (part of `npm test`) for every table either dialect declares, so a new table cannot
// be left out; the runtime half checks the column names and nullability agree too.
import { getTableColumns, type InferInsertModel, type InferSelectModel } from 'drizzle-orm';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as pg from '../../src/db/postgres/schema.js';
import * as sqlite from '../../src/db/sqlite/schema.js';

type PgTables = typeof pg.tables;
type SqliteTables = typeof sqlite.tables;

/** Exactly equal (not merely assignable either way), as vitest's toEqualTypeOf compares. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Agreement = {
  [K in keyof PgTables | keyof SqliteTables]: K extends keyof PgTables & keyof SqliteTables
    ? [Equal<InferSelectModel<SqliteTables[K]>, InferSelectModel<PgTables[K]>>, Equal<InferInsertModel<SqliteTables[K]>, InferInsertModel<PgTables[K]>>]
    : 'declared on one dialect only';
};

describe('one schema, two dialects', () => {
  it('infers identical select and insert row types for every table', () => {
    expectTypeOf<Agreement>().toEqualTypeOf<{ [K in keyof PgTables]: [true, true] }>();
    // The check covers the tables the domain uses, task_labels among them.
    expectTypeOf<keyof PgTables>().toEqualTypeOf<'orgs' | 'members' | 'tokens' | 'projects' | 'tasks' | 'taskLabels' | 'comments'>();
  });

  it('has the same tables, columns and column names on both dialects', () => {
    expect(Object.keys(sqlite.tables).sort()).toEqual(Object.keys(pg.tables).sort());
    for (const name of Object.keys(pg.tables) as Array<keyof typeof pg.tables>) {
      const a = getTableColumns(sqlite.tables[name]);
      const b = getTableColumns(pg.tables[name]);
      expect(Object.keys(a).sort(), name).toEqual(Object.keys(b).sort());
      for (const key of Object.keys(b)) {
        expect(a[key as keyof typeof a]?.notNull, `${name}.${key} nullability`).toBe(b[key as keyof typeof b]?.notNull);
      }
    }
  });
});
