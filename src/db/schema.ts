// The types the domain writes its queries against. drizzle's query builders have the same shape on both dialects
// for everything the domain uses (select/insert/update/delete, where, orderBy, limit, returning, onConflict); the
// domain is typed against the Postgres flavour and the SQLite adapter hands over its own handle, which the row-type
// test (identical inferred rows) and the conformance suite (same behaviour) keep honest. Dialect-only builder
// methods (`for('update')`) are reached only behind a `capabilities` check. These are type-only imports: nothing
// from src/db/postgres/ reaches a bundle through this file.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { InferInsertModel, InferSelectModel } from 'drizzle-orm';
import type { tables as pgTables } from './postgres/schema.js';

export type Tables = typeof pgTables;
export type DomainDb = PgDatabase<PgQueryResultHKT, Tables>;

export type Org = InferSelectModel<Tables['orgs']>;
export type Member = InferSelectModel<Tables['members']>;
export type Token = InferSelectModel<Tables['tokens']>;
export type Project = InferSelectModel<Tables['projects']>;
export type Task = InferSelectModel<Tables['tasks']>;
export type Comment = InferSelectModel<Tables['comments']>;
export type NewTask = InferInsertModel<Tables['tasks']>;
