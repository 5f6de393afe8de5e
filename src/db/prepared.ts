// Queries built once and run many times. drizzle turns a query builder into SQL text on every call, and on SQLite
// better-sqlite3 then compiles a new statement; for the queries every request makes, that was most of the request's
// time. A prepared query is built once per query handle, with placeholders, and run with the values of each call.
import { hash } from 'node:crypto';
import { Column, is, sql, type Placeholder, type SQL, type SQLWrapper } from 'drizzle-orm';
import { NOT_NOW, type Database, type Prepared, type PreparedQuery, type Queryable, type ReadOptions } from './database.js';

export type { Prepared } from './database.js';
import type { Tables } from './schema.js';

/**
 * The name every prepared query is given. On PostgreSQL a non-empty name makes drizzle ask for a named server-side
 * prepared statement, which lives in one server session: behind PgBouncer in transaction mode the next execution
 * lands on another server connection that never saw it. The empty name is the protocol's unnamed statement, what
 * every unprepared query uses too: the SQL text is built once here, the server parses it per execution, and nothing
 * outlives the call. SQLite ignores the name and keeps the compiled statement on its connection.
 */
export const UNNAMED = '';

/**
 * With DB_PREPARED_STATEMENTS=named (set for the process by the PostgreSQL adapter as it opens), each prepared query
 * is given a name of its own, one per SQL text: pg prepares it once per connection, and PostgreSQL parses it once there
 * and may keep a generic plan, instead of parsing and planning it on every run (about a quarter of the backends' time
 * under the create bench). A pooler that moves a client between server connections (PgBouncer before 1.21 in
 * transaction mode) loses them; the default, `unnamed`, runs every prepared query as the protocol's unnamed statement
 * and keeps nothing in a server session. One process serves one configuration, so this is the process's. Off until an
 * adapter turns it on, so SQLite and databases opened directly (tests) keep unnamed statements.
 */
let namedStatements = false;
const statementNames = new Map<string, string>();

export function usePreparedStatementNames(on: boolean): void {
  namedStatements = on;
}

/** What every name statementNameOf gives looks like: the prefix and 32 hex digits of the text's SHA-256. */
export const STATEMENT_NAME = /\bflagship_[0-9a-f]{32}\b/;

/** The name to prepare SQL `text` under: unnamed, or one per text when named statements are on. */
export function statementNameOf(text: string): string {
  if (!namedStatements) return UNNAMED;
  let name = statementNames.get(text);
  // From the text alone, so a name means one text in every process: behind a pooler that hands one process's server
  // session to another, a name never binds to a statement of other text (the worst it meets is 26000 or 42P05).
  if (!name) statementNames.set(text, (name = `flagship_${hash('sha256', text, 'hex').slice(0, 32)}`));
  return name;
}

/** What drizzle's prepared PostgreSQL query keeps of its statement: its name and text, as pg is given them. */
interface StatementConfig {
  queryConfig?: { name?: string; text?: unknown };
  rawQueryConfig?: { name?: string };
}

/** Gives a prepared PostgreSQL query its statement name (see usePreparedStatementNames); SQLite's are left as they are. */
function nameStatement<Q>(query: Q): Q {
  const config = query as StatementConfig;
  const text = config.queryConfig?.text;
  if (!namedStatements || typeof text !== 'string' || !config.rawQueryConfig) return query;
  config.queryConfig!.name = config.rawQueryConfig.name = statementNameOf(text);
  return query;
}

/**
 * A placeholder, filled with a value the driver takes as it is (text, integers). In an insert's values drizzle maps
 * it through the column like any value.
 */
export const slot = (name: string): Placeholder => sql.placeholder(name);

/**
 * A text placeholder SQLite's planner does not read. In a join, a bare parameter compared with an indexed column is
 * one better-sqlite3's SQLite (built with STAT4) looks at when it plans, so binding it expires the statement and
 * every execution compiles it again: the token lookup (token joined with its member, by hash) took 12 µs against 4
 * µs with the cast. The cast is the identity for text on both dialects and leaves the index in use.
 */
export const textSlot = (name: string): SQL => sql`cast(${sql.placeholder(name)} as text)`;

/**
 * A placeholder whose value goes through `column`'s mapping when the query runs (a Date becomes epoch milliseconds on
 * SQLite and ISO text on PostgreSQL), for values that are not plain text or integers. drizzle maps a value compared
 * with a column, but not a bare placeholder.
 */
export const slotFor = (name: string, column: Column): SQLWrapper => sql.param(sql.placeholder(name), column);

/**
 * A LIMIT whose value is bound when the query runs: a placeholder (`slot('limit')`) or a number. SQLite's planner
 * (better-sqlite3 builds it with STAT4) reads the value of a bare parameter in LIMIT, so binding one expires the
 * statement and every execution compiles it again: a primary-key lookup with `LIMIT ?` took 14 µs against 4 µs.
 * Wrapped in an expression the value is opaque to the planner and the statement stays compiled; PostgreSQL infers
 * an integer for `$1 + 0` as for `$1`.
 */
export function rowLimit(value: number | Placeholder): Placeholder {
  // drizzle's limit() types a number or a placeholder, and writes whatever it gets into ` limit ${value}`.
  return sql`(${value} + 0)` as unknown as Placeholder;
}

/**
 * Builds the query once per query handle (each handle is one connection or pool, and on SQLite a statement belongs
 * to its connection), on first use.
 */
export function prepared<R>(build: PreparedQuery<R>): PreparedQuery<R> {
  const byHandle = new WeakMap<Queryable, Prepared<R>>();
  return (q, t) => {
    let query = byHandle.get(q);
    if (!query) byHandle.set(q, (query = nameStatement(decodeRowsDirectly(build(q, t)))));
    return query;
  };
}

/** What drizzle's prepared select keeps of its selection (the same on both dialects' prepared queries). */
interface SelectionOf {
  fields?: unknown;
  customResultMapper?: (rows: unknown[][]) => unknown;
}

/**
 * drizzle maps each cell of a result through a generic walk (type checks per field, a path per column, null
 * bookkeeping for joins): for a page of 50 tasks that was more time than SQLite took to find them. A prepared select
 * of plain columns (a flat selection, joined or not) gets a decoder worked out once instead, which calls each
 * column's own mapping (text as it is, epoch milliseconds to Date, JSON text parsed) and nothing else. drizzle hands
 * the rows to a query's result mapper as arrays in selection order on both dialects; anything else (a nested
 * selection, an SQL expression, a mapper of drizzle's own) keeps drizzle's mapping.
 */
function decodeRowsDirectly<Q>(query: Q): Q {
  const selection = query as SelectionOf;
  const fields = selection.fields;
  if (selection.customResultMapper !== undefined || !Array.isArray(fields) || fields.length === 0) return query;
  const keys: string[] = [];
  const columns: Array<Column | undefined> = [];
  for (const { path, field } of fields as Array<{ path: string[]; field: unknown }>) {
    if (path.length !== 1 || !is(field, Column)) return query;
    keys.push(path[0]!);
    // The base class's mapping returns the value as it is: skip the call.
    columns.push(field.mapFromDriverValue === Column.prototype.mapFromDriverValue ? undefined : field);
  }
  const width = keys.length;
  const decode = (row: unknown[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < width; i++) {
      const value = row[i] ?? null;
      const column = columns[i];
      out[keys[i]!] = value === null || column === undefined ? value : column.mapFromDriverValue(value);
    }
    return out;
  };
  selection.customResultMapper = (rows) => rows.map(decode);
  return query;
}

/**
 * Runs a prepared read and `then` on its rows: at once where the Database answers reads synchronously (`readNow`,
 * SQLite), through `read` otherwise (with `options`). A value or a promise of one: await it. A failure, of the read or
 * of `then`, is a rejected promise either way, as from an async function.
 */
export function readPrepared<R, T>(
  db: Database,
  query: PreparedQuery<R>,
  values: Record<string, unknown>,
  then: (rows: R) => T,
  options?: ReadOptions,
): T | Promise<T> {
  try {
    const now = db.readNow ? db.readNow(query, values) : NOT_NOW;
    return now !== NOT_NOW ? then(now) : db.read((q) => query(q, db.tables).execute(values), options).then(then);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/**
 * Like `prepared`, for a query whose shape varies with the call (which filters a listing has, how many labels an
 * insert writes): one built query per shape and handle. `keyOf` must name every difference that changes the SQL,
 * and the shapes must be few (they are kept for the life of the handle).
 */
export function preparedByShape<S, R>(
  keyOf: (shape: S) => string,
  build: (q: Queryable, t: Tables, shape: S) => Prepared<R>,
): (q: Queryable, t: Tables, shape: S) => Prepared<R> {
  const byHandle = new WeakMap<Queryable, Map<string, Prepared<R>>>();
  return (q, t, shape) => {
    let shapes = byHandle.get(q);
    if (!shapes) byHandle.set(q, (shapes = new Map()));
    const key = keyOf(shape);
    let query = shapes.get(key);
    if (!query) shapes.set(key, (query = nameStatement(decodeRowsDirectly(build(q, t, shape)))));
    return query;
  };
}
