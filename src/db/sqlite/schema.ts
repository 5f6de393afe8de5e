// The SQLite physical schema: the tables of src/db/schema/tables.ts, built with this dialect's column kit.
import { foreignKey, index, primaryKey, sqliteTable, uniqueIndex, type SQLiteColumnBuilderBase } from 'drizzle-orm/sqlite-core';
import { defineTables, type SchemaKit, type TableType } from '../schema/tables.js';
import { sqliteKit, type SqliteKitTypes } from './column-kit.js';

/** What sqliteTable returns for a name and a column map. */
export interface SqliteTable extends TableType {
  readonly table: ReturnType<typeof sqliteTable<this['name'], Extract<this['columns'], Record<string, SQLiteColumnBuilderBase>>>>;
}

/** drizzle's SQLite builders, for defineTables and for the modules that declare tables of their own the same way. */
export const sqliteSchemaKit = { columns: sqliteKit, table: sqliteTable, index, uniqueIndex, primaryKey, foreignKey } satisfies SchemaKit<SqliteKitTypes>;

export const tables = defineTables<SqliteKitTypes, SqliteTable>(sqliteSchemaKit);

// drizzle-kit finds tables among the module's exports.
export const { orgs, members, tokens, projects, tasks, taskLabels, comments } = tables;
