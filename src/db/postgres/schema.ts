// The PostgreSQL physical schema: the tables of src/db/schema/tables.ts, built with this dialect's column kit.
import type { BuildColumns } from 'drizzle-orm';
import { foreignKey, index, pgTable, primaryKey, uniqueIndex, type PgColumnBuilderBase, type PgDatabase, type PgQueryResultHKT, type PgTableExtraConfigValue, type PgTableWithColumns } from 'drizzle-orm/pg-core';
import { defineTables, type TableType } from '../schema/tables.js';
import { postgresKit, type PostgresKitTypes } from './column-kit.js';

/** What pgTable returns for a name and a column map. */
type PostgresTableOf<N extends string, C> = PgTableWithColumns<{
  name: N;
  schema: undefined;
  columns: BuildColumns<N, Extract<C, Record<string, PgColumnBuilderBase>>, 'pg'>;
  dialect: 'pg';
}>;
interface PostgresTable extends TableType {
  readonly table: PostgresTableOf<this['name'], this['columns']>;
}

export const tables = defineTables<PostgresKitTypes, PostgresTable>({
  columns: postgresKit,
  // The result is what PostgresTable states; the shared declarations know
  // the columns only by key, so they are handed over untyped.
  table: (name, columns, constraints) => pgTable(name, columns as Record<string, PgColumnBuilderBase>, (t) => constraints(t as never) as PgTableExtraConfigValue[]) as never,
  index,
  uniqueIndex,
  primaryKey,
  // Its config is typed with this dialect's columns, which the shared declarations see only as `unknown`.
  foreignKey: foreignKey as never,
});

// drizzle-kit finds tables among the module's exports.
export const { orgs, members, tokens, projects, tasks, taskLabels, comments } = tables;

/** drizzle's database over these tables, whatever the driver (a pool or one client). */
export type PostgresDatabase = PgDatabase<PgQueryResultHKT, typeof tables>;
