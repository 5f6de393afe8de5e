// The PostgreSQL physical schema: the tables of src/db/schema/tables.ts, built with this dialect's column kit.
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { foreignKey, index, pgTable, primaryKey, uniqueIndex, type PgColumnBuilderBase, type PgDatabase } from 'drizzle-orm/pg-core';
import { defineTables, type SchemaKit, type TableType } from '../schema/tables.js';
import { postgresKit, type PostgresKitTypes } from './column-kit.js';

/** What pgTable returns for a name and a column map. */
export interface PostgresTable extends TableType {
  readonly table: ReturnType<typeof pgTable<this['name'], Extract<this['columns'], Record<string, PgColumnBuilderBase>>>>;
}

/** drizzle's Postgres builders, for defineTables and for the modules that declare tables of their own the same way. */
export const postgresSchemaKit = { columns: postgresKit, table: pgTable, index, uniqueIndex, primaryKey, foreignKey } satisfies SchemaKit<PostgresKitTypes>;

export const tables = defineTables<PostgresKitTypes, PostgresTable>(postgresSchemaKit);

// drizzle-kit finds tables among the module's exports.
export const { orgs, members, tokens, projects, tasks, taskLabels, comments } = tables;

/** drizzle's database over these tables through node-postgres (on a pool or on one client). */
export type PostgresDatabase = PgDatabase<NodePgQueryResultHKT, typeof tables>;
