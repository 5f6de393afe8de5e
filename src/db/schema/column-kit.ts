// drizzle has no dialect-neutral schema, so each dialect supplies a kit of column builders (src/db/<dialect>/
// column-kit.ts) and the columns of every table are written once, here, against the kit's interface. The kit's
// type parameter carries each dialect's concrete builder types through, so both schemas keep full inference; the
// type test in test/db/row-types.test.ts proves they infer identical row types.

/** The concrete builder type a dialect returns for each kind of column. */
export interface KitTypes {
  id: unknown;
  text: unknown;
  optionalText: unknown;
  int: unknown;
  bool: unknown;
  optionalTimestamp: unknown;
  createdAt: unknown;
  updatedAt: unknown;
  labels: unknown;
}

/** Column names come from the object keys (drizzle `casing: 'snake_case'`), so no builder takes a name. */
export interface ColumnKit<T extends KitTypes> {
  /** Text primary key filled with a random UUID. */
  id(): T['id'];
  /** Not-null text; also the id of another row (tables.ts declares which). */
  text(): T['text'];
  optionalText(): T['optionalText'];
  /** Not-null integer, default 0. */
  int(): T['int'];
  /** Not-null boolean, default false. */
  bool(): T['bool'];
  /** Instant with millisecond precision, or null. */
  optionalTimestamp(): T['optionalTimestamp'];
  /** Not-null instant, defaulting to the time of insert. */
  createdAt(): T['createdAt'];
  /**
   * Not-null instant, the time of insert until the domain stamps each change. No automatic on-update value: the
   * domain stamps it after taking the row lock (so it follows commit order), and bookkeeping writes such as a
   * project's task counter are not changes of the row.
   */
  updatedAt(): T['updatedAt'];
  /** Not-null JSON array of strings, default []. */
  labels(): T['labels'];
}

export function orgColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), slug: k.text(), name: k.text(), createdAt: k.createdAt() };
}

export function memberColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), orgId: k.text(), email: k.text(), name: k.text(), role: k.text(), active: k.bool(), createdAt: k.createdAt() };
}

export function tokenColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.text(),
    memberId: k.text(),
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
    orgId: k.text(),
    key: k.text(),
    name: k.text(),
    /** Last task number handed out; incremented in the creating transaction, so numbers are gap-free. */
    taskSeq: k.int(),
    archived: k.bool(),
    createdAt: k.createdAt(),
    updatedAt: k.updatedAt(),
  };
}

export function taskColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.text(),
    projectId: k.text(),
    number: k.int(),
    title: k.text(),
    /** Lower-cased title, so a case-insensitive search is the same plain LIKE on every dialect. */
    titleSearch: k.text(),
    description: k.optionalText(),
    status: k.text(),
    priority: k.text(),
    assigneeId: k.optionalText(),
    labels: k.labels(),
    dueAt: k.optionalTimestamp(),
    version: k.int(),
    createdAt: k.createdAt(),
    updatedAt: k.updatedAt(),
  };
}

/**
 * One row per label of a task, mirroring `tasks.labels`: filtering by label is then a plain indexed lookup on every
 * dialect, where the JSON column would need jsonb operators on Postgres and json_each on SQLite.
 */
export function taskLabelColumns<T extends KitTypes>(k: ColumnKit<T>) {
  /** `createdAt`: when the label was put on the task (an update keeps the labels it does not change). */
  return { taskId: k.text(), projectId: k.text(), label: k.text(), createdAt: k.createdAt() };
}

export function commentColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), orgId: k.text(), taskId: k.text(), authorId: k.text(), body: k.text(), createdAt: k.createdAt() };
}

/** A small table the migrations record themselves in; not drizzle-managed, created by the migrator. */
export const MIGRATIONS_TABLE = 'flagship_migrations';
