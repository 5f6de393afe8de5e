// Both physical schemas must infer identical row types: the domain is written once against them. The type assertions
// are checked by `tsc --noEmit` (part of `npm test`); the runtime half checks the column names agree too.
import { getTableColumns, type InferInsertModel, type InferSelectModel } from 'drizzle-orm';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as pg from '../../src/db/postgres/schema.js';
import * as sqlite from '../../src/db/sqlite/schema.js';

type Same<T extends keyof typeof pg.tables> = {
  select: [InferSelectModel<(typeof sqlite.tables)[T]>, InferSelectModel<(typeof pg.tables)[T]>];
  insert: [InferInsertModel<(typeof sqlite.tables)[T]>, InferInsertModel<(typeof pg.tables)[T]>];
};

describe('one schema, two dialects', () => {
  it('infers identical select and insert row types for every table', () => {
    expectTypeOf<Same<'orgs'>['select'][0]>().toEqualTypeOf<Same<'orgs'>['select'][1]>();
    expectTypeOf<Same<'orgs'>['insert'][0]>().toEqualTypeOf<Same<'orgs'>['insert'][1]>();
    expectTypeOf<Same<'members'>['select'][0]>().toEqualTypeOf<Same<'members'>['select'][1]>();
    expectTypeOf<Same<'members'>['insert'][0]>().toEqualTypeOf<Same<'members'>['insert'][1]>();
    expectTypeOf<Same<'tokens'>['select'][0]>().toEqualTypeOf<Same<'tokens'>['select'][1]>();
    expectTypeOf<Same<'tokens'>['insert'][0]>().toEqualTypeOf<Same<'tokens'>['insert'][1]>();
    expectTypeOf<Same<'projects'>['select'][0]>().toEqualTypeOf<Same<'projects'>['select'][1]>();
    expectTypeOf<Same<'projects'>['insert'][0]>().toEqualTypeOf<Same<'projects'>['insert'][1]>();
    expectTypeOf<Same<'tasks'>['select'][0]>().toEqualTypeOf<Same<'tasks'>['select'][1]>();
    expectTypeOf<Same<'tasks'>['insert'][0]>().toEqualTypeOf<Same<'tasks'>['insert'][1]>();
    expectTypeOf<Same<'comments'>['select'][0]>().toEqualTypeOf<Same<'comments'>['select'][1]>();
    expectTypeOf<Same<'comments'>['insert'][0]>().toEqualTypeOf<Same<'comments'>['insert'][1]>();
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
