// The way out of the dialect-neutral handle, for code that runs only on PostgreSQL. The domain's Queryable offers what
// both dialects share; code behind `__DIALECT_POSTGRES__` and a check of the dialect (a raw statement, an advisory
// lock, pg_notify) asks for the Postgres handle by name here, so its dependency on the dialect is visible and checked.
import { is } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';
import type { Queryable } from '../database.js';
import type { PostgresDatabase } from './schema.js';

/** The Postgres handle behind `q`; throws when `q` belongs to another dialect. */
export function postgresHandle(q: Queryable): PostgresDatabase {
  if (!is(q, PgDatabase))
    throw new TypeError('postgresHandle() was given the query handle of another dialect; reach Postgres-only code only where db.dialect is "postgres"');
  return q as unknown as PostgresDatabase;
}
