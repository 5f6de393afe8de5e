// Every table once: its columns (column-kit.ts) and its keys, indexes and foreign keys. drizzle has no dialect-neutral
// table, so each dialect's schema.ts hands `defineTables` its table function and drizzle's constraint builders (the
// same names on every dialect), and gets back its own fully typed tables. test/db/migrations-alike.test.ts checks
// that the migrations both dialects generate from them carry the same tables, columns, indexes and foreign keys.
import type { SQL } from 'drizzle-orm';
import {
  commentColumns,
  memberColumns,
  orgColumns,
  projectColumns,
  taskColumns,
  taskLabelColumns,
  tokenColumns,
  type ColumnKit,
  type KitTypes,
} from './column-kit.js';

/**
 * A dialect's table type, stated in terms of `name` and `columns`, which TableOf fills in. drizzle's table types
 * differ per dialect and TypeScript has no higher-kinded types: this is the usual stand-in for one.
 */
export interface TableType {
  readonly name: string;
  readonly columns: unknown;
  readonly table: unknown;
}
export type TableOf<F extends TableType, N extends string, C> = (F & { readonly name: N; readonly columns: C })['table'];

/** A table's columns as these declarations see them: by key, of a type only the dialect knows. */
export type ColumnsOf<C> = { readonly [K in keyof C]: unknown };

type Columns = [unknown, ...unknown[]];

interface IndexStart {
  on(...columns: Columns): { where(condition: SQL): unknown };
}

/**
 * drizzle's builders of one dialect: its table function (pgTable, sqliteTable), its constraint builders (the same
 * names on every dialect) and its column kit. Their parameters are typed with the dialect's own column types, which
 * these declarations see only as `unknown`, hence the `never`s; the dialect's TableType states what a table is.
 */
export interface SchemaKit<T extends KitTypes> {
  readonly columns: ColumnKit<T>;
  table(name: string, columns: never, constraints?: (t: Record<string, unknown>) => never[]): unknown;
  index(name: string): IndexStart;
  uniqueIndex(name: string): IndexStart;
  primaryKey(config: never): unknown;
  foreignKey(config: never): { onDelete(action: 'cascade' | 'set null'): unknown };
}

/**
 * One dialect's kit typed as table declarations use it (here and in the modules that bring tables of their own): the
 * casts to the dialect's types happen here, once. F says what that dialect's table type is.
 */
export function schemaBuilders<T extends KitTypes, F extends TableType>(kit: SchemaKit<T>) {
  return {
    columns: kit.columns,
    /** A table without `constraints` has no keys or indexes beyond its columns' own. */
    table: <N extends string, C extends object>(name: N, columns: C, constraints?: (t: ColumnsOf<C>) => unknown[]) =>
      kit.table(name, columns as never, constraints as unknown as ((t: Record<string, unknown>) => never[]) | undefined) as TableOf<F, N, C> & ColumnsOf<C>,
    index: kit.index.bind(kit),
    uniqueIndex: kit.uniqueIndex.bind(kit),
    primaryKey: (config: { name: string; columns: Columns }) => kit.primaryKey(config as never),
    foreignKey: (config: { name: string; columns: Columns; foreignColumns: Columns }) => kit.foreignKey(config as never),
  };
}

/** The tables of the program, built with one dialect's kit; F says what that dialect's table type is. */
export function defineTables<T extends KitTypes, F extends TableType>(kit: SchemaKit<T>) {
  const s = schemaBuilders<T, F>(kit);
  const k = s.columns;
  const orgs = s.table('orgs', orgColumns(k), (t) => [s.uniqueIndex('orgs_slug_key').on(t.slug)]);
  const members = s.table('members', memberColumns(k), (t) => [
    s.uniqueIndex('members_org_email_key').on(t.orgId, t.email),
    s.foreignKey({ name: 'members_org_fk', columns: [t.orgId], foreignColumns: [orgs.id] }).onDelete('cascade'),
  ]);
  const tokens = s.table('tokens', tokenColumns(k), (t) => [
    s.uniqueIndex('tokens_hash_key').on(t.hash),
    s.index('tokens_member_idx').on(t.memberId),
    s.foreignKey({ name: 'tokens_member_fk', columns: [t.memberId], foreignColumns: [members.id] }).onDelete('cascade'),
  ]);
  const projects = s.table('projects', projectColumns(k), (t) => [
    s.uniqueIndex('projects_org_key_key').on(t.orgId, t.key),
    s.foreignKey({ name: 'projects_org_fk', columns: [t.orgId], foreignColumns: [orgs.id] }).onDelete('cascade'),
  ]);
  const tasks = s.table('tasks', taskColumns(k), (t) => [
    s.uniqueIndex('tasks_project_number_key').on(t.projectId, t.number),
    s.index('tasks_project_created_idx').on(t.projectId, t.createdAt, t.id),
    s.index('tasks_project_updated_idx').on(t.projectId, t.updatedAt, t.id),
    s.index('tasks_assignee_idx').on(t.assigneeId),
    s.foreignKey({ name: 'tasks_project_fk', columns: [t.projectId], foreignColumns: [projects.id] }).onDelete('cascade'),
    s.foreignKey({ name: 'tasks_assignee_fk', columns: [t.assigneeId], foreignColumns: [members.id] }).onDelete('set null'),
  ]);
  const taskLabels = s.table('task_labels', taskLabelColumns(k), (t) => [
    s.primaryKey({ name: 'task_labels_pkey', columns: [t.taskId, t.label] }),
    s.index('task_labels_project_label_idx').on(t.projectId, t.label),
    s.foreignKey({ name: 'task_labels_task_fk', columns: [t.taskId], foreignColumns: [tasks.id] }).onDelete('cascade'),
  ]);
  const comments = s.table('comments', commentColumns(k), (t) => [
    s.index('comments_task_created_idx').on(t.taskId, t.createdAt, t.id),
    s.foreignKey({ name: 'comments_task_fk', columns: [t.taskId], foreignColumns: [tasks.id] }).onDelete('cascade'),
  ]);
  return { orgs, members, tokens, projects, tasks, taskLabels, comments };
}
