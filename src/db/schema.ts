// The types the domain writes its queries against. drizzle has no dialect-neutral query builder, so the domain is typed
// against the Postgres flavour of the tables, which infer the same rows as the SQLite ones (test/db/row-types.test.ts),
// and its handle is narrowed to the query methods both dialects have: select, insert, update and delete. A method only
// Postgres has (`execute`, `selectDistinctOn`, drizzle's own `transaction()`) then does not compile in the domain
// (test/db/queryable.test-d.ts). Builder methods only Postgres has are reached through a capability check:
// `for('update')` in src/domain/locks.ts. These are type-only imports: no byte of src/db/postgres/ reaches a bundle
// through this file.
import type { InferSelectModel } from 'drizzle-orm';
import type { PostgresDatabase, tables as pgTables } from './postgres/schema.js';

export type Tables = typeof pgTables;

/** A query handle valid for the duration of one read, write or transaction callback. */
export type Queryable = Pick<PostgresDatabase, 'select' | 'insert' | 'update' | 'delete'>;

export type Org = InferSelectModel<Tables['orgs']>;
export type Member = InferSelectModel<Tables['members']>;
export type Token = InferSelectModel<Tables['tokens']>;
export type Project = InferSelectModel<Tables['projects']>;
export type Task = InferSelectModel<Tables['tasks']>;
export type Comment = InferSelectModel<Tables['comments']>;
