// The PostgreSQL physical schema: the shared column sets (src/db/schema/column-kit.ts) plus this dialect's keys.
import { foreignKey, index, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import * as c from '../schema/column-kit.js';
import { postgresKit as k, type PostgresKitTypes } from './column-kit.js';

export const orgs = pgTable('orgs', c.orgColumns<PostgresKitTypes>(k), (t) => [uniqueIndex('orgs_slug_key').on(t.slug)]);
export const members = pgTable('members', c.memberColumns<PostgresKitTypes>(k), (t) => [
  uniqueIndex('members_org_email_key').on(t.orgId, t.email),
  foreignKey({ name: 'members_org_fk', columns: [t.orgId], foreignColumns: [orgs.id] }).onDelete('cascade'),
]);
export const tokens = pgTable('tokens', c.tokenColumns<PostgresKitTypes>(k), (t) => [
  uniqueIndex('tokens_hash_key').on(t.hash),
  index('tokens_member_idx').on(t.memberId),
  foreignKey({ name: 'tokens_member_fk', columns: [t.memberId], foreignColumns: [members.id] }).onDelete('cascade'),
]);
export const projects = pgTable('projects', c.projectColumns<PostgresKitTypes>(k), (t) => [
  uniqueIndex('projects_org_key_key').on(t.orgId, t.key),
  foreignKey({ name: 'projects_org_fk', columns: [t.orgId], foreignColumns: [orgs.id] }).onDelete('cascade'),
]);
export const tasks = pgTable('tasks', c.taskColumns<PostgresKitTypes>(k), (t) => [
  uniqueIndex('tasks_project_number_key').on(t.projectId, t.number),
  index('tasks_project_created_idx').on(t.projectId, t.createdAt, t.id),
  index('tasks_project_updated_idx').on(t.projectId, t.updatedAt, t.id),
  index('tasks_assignee_idx').on(t.assigneeId),
  foreignKey({ name: 'tasks_project_fk', columns: [t.projectId], foreignColumns: [projects.id] }).onDelete('cascade'),
  foreignKey({ name: 'tasks_assignee_fk', columns: [t.assigneeId], foreignColumns: [members.id] }).onDelete('set null'),
]);
export const taskLabels = pgTable('task_labels', c.taskLabelColumns<PostgresKitTypes>(k), (t) => [
  primaryKey({ name: 'task_labels_pkey', columns: [t.taskId, t.label] }),
  index('task_labels_project_label_idx').on(t.projectId, t.label),
  foreignKey({ name: 'task_labels_task_fk', columns: [t.taskId], foreignColumns: [tasks.id] }).onDelete('cascade'),
]);
export const comments = pgTable('comments', c.commentColumns<PostgresKitTypes>(k), (t) => [
  index('comments_task_created_idx').on(t.taskId, t.createdAt, t.id),
  foreignKey({ name: 'comments_task_fk', columns: [t.taskId], foreignColumns: [tasks.id] }).onDelete('cascade'),
]);

export const tables = { orgs, members, tokens, projects, tasks, taskLabels, comments };
