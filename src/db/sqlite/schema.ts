// The SQLite physical schema: the tables of src/db/schema/tables.ts, built with this dialect's column kit.
import type { BuildColumns } from 'drizzle-orm';
import { foreignKey, index, primaryKey, sqliteTable, uniqueIndex, type SQLiteColumnBuilderBase, type SQLiteTableExtraConfigValue, type SQLiteTableWithColumns } from 'drizzle-orm/sqlite-core';
import { defineTables, type TableType } from '../schema/tables.js';
import { sqliteKit, type SqliteKitTypes } from './column-kit.js';

/** What sqliteTable returns for a name and a column map. */
type SqliteTableOf<N extends string, C> = SQLiteTableWithColumns<{
  name: N;
  schema: undefined;
  columns: BuildColumns<N, Extract<C, Record<string, SQLiteColumnBuilderBase>>, 'sqlite'>;
  dialect: 'sqlite';
}>;
interface SqliteTable extends TableType {
  readonly table: SqliteTableOf<this['name'], this['columns']>;
}

export const tables = defineTables<SqliteKitTypes, SqliteTable>({
  columns: sqliteKit,
  // The result is what SqliteTable states; the shared declarations know
  // the columns only by key, so they are handed over untyped.
  table: (name, columns, constraints) => sqliteTable(name, columns as Record<string, SQLiteColumnBuilderBase>, (t) => constraints(t as never) as SQLiteTableExtraConfigValue[]) as never,
  index,
  uniqueIndex,
  primaryKey,
  // Its config is typed with this dialect's columns, which the shared declarations see only as `unknown`.
  foreignKey: foreignKey as never,
});

// drizzle-kit finds tables among the module's exports.
export const { orgs, members, tokens, projects, tasks, taskLabels, comments } = tables;
