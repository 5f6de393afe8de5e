// drizzle has no dialect-neutral schema, so each dialect supplies a kit of column builders (src/db/<dialect>/
// column-kit.ts) and the columns of every table are written once, here, against the kit's interface. The kit's
// type parameter carries each dialect's concrete builder types through, so both schemas keep full inference; the
// type test in test/db/row-types.test.ts proves they infer identical row types.

/** The concrete builder type a dialect returns for each kind of column. */
export interface KitTypes {
  id: unknown;
  ref: unknown;
  optionalRef: unknown;
  text: unknown;
  optionalText: unknown;
  int: unknown;
  bool: unknown;
  timestamp: unknown;
  optionalTimestamp: unknown;
  createdAt: unknown;
  labels: unknown;
  json: unknown;
}

/** Column names come from the object keys (drizzle `casing: 'snake_case'`), so no builder takes a name. */
export interface ColumnKit<T extends KitTypes> {
  /** Text primary key filled with a random UUID. */
  id(): T['id'];
  /** Not-null text id of another row. */
  ref(): T['ref'];
  optionalRef(): T['optionalRef'];
  text(): T['text'];
  optionalText(): T['optionalText'];
  /** Not-null integer, default 0. */
  int(): T['int'];
  /** Not-null boolean, default false. */
  bool(): T['bool'];
  /** Not-null instant with millisecond precision. */
  timestamp(): T['timestamp'];
  optionalTimestamp(): T['optionalTimestamp'];
  /** Not-null instant, defaulting to the time of insert. */
  createdAt(): T['createdAt'];
  /** Not-null JSON array of strings, default []. */
  labels(): T['labels'];
  /** Not-null JSON object, default {}. */
  json(): T['json'];
}

export function orgColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), slug: k.text(), name: k.text(), createdAt: k.createdAt() };
}

export function memberColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), orgId: k.ref(), email: k.text(), name: k.text(), role: k.text(), active: k.bool(), createdAt: k.createdAt() };
}

export function tokenColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.ref(),
    memberId: k.ref(),
    name: k.text(),
    /** SHA-256 of the secret; the secret itself is shown once and never stored. */
    hash: k.text(),
    expiresAt: k.optionalTimestamp(),
    revokedAt: k.optionalTimestamp(),
    lastUsedAt: k.optionalTimestamp(),
    createdAt: k.createdAt(),
  };
}

export function projectColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.ref(),
    key: k.text(),
    name: k.text(),
    /** Last task number handed out; incremented in the creating transaction, so numbers are gap-free. */
    taskSeq: k.int(),
    archived: k.bool(),
    createdAt: k.createdAt(),
    updatedAt: k.createdAt(),
  };
}

export function taskColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.ref(),
    projectId: k.ref(),
    number: k.int(),
    title: k.text(),
    /** Lower-cased title, so a case-insensitive search is the same plain LIKE on every dialect. */
    titleSearch: k.text(),
    description: k.optionalText(),
    status: k.text(),
    priority: k.text(),
    assigneeId: k.optionalRef(),
    labels: k.labels(),
    dueAt: k.optionalTimestamp(),
    version: k.int(),
    createdAt: k.createdAt(),
    updatedAt: k.createdAt(),
  };
}

/**
 * One row per label of a task, mirroring `tasks.labels`: filtering by label is then a plain indexed lookup on every
 * dialect, where the JSON column would need jsonb operators on Postgres and json_each on SQLite.
 */
export function taskLabelColumns<T extends KitTypes>(k: ColumnKit<T>) {
  /** `createdAt`: when the label was put on the task (an update keeps the labels it does not change). */
  return { taskId: k.ref(), projectId: k.ref(), label: k.text(), createdAt: k.createdAt() };
}

export function commentColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), orgId: k.ref(), taskId: k.ref(), authorId: k.ref(), body: k.text(), createdAt: k.createdAt() };
}

/** A small table the migrations record themselves in; not drizzle-managed, created by the migrator. */
export const MIGRATIONS_TABLE = 'flagship_migrations';
