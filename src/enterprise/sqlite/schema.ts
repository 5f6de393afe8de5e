// The enterprise module's SQLite tables (columns in ../schema/columns.ts). Triggers live in the migrations.
import { index, sqliteTable, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { sqliteKit as k, type SqliteKitTypes } from '../../db/sqlite/column-kit.js';
import * as c from '../schema/columns.js';

export const roles = sqliteTable('roles', c.roleColumns<SqliteKitTypes>(k), (t) => [uniqueIndex('roles_org_name_key').on(t.orgId, t.name)]);
export const roleGrants = sqliteTable('role_grants', c.roleGrantColumns<SqliteKitTypes>(k), (t) => [
  index('role_grants_member_idx').on(t.memberId),
  index('role_grants_org_role_idx').on(t.orgId, t.role),
]);
export const rbacVersions = sqliteTable('rbac_versions', c.rbacVersionColumns<SqliteKitTypes>(k));
export const auditRecords = sqliteTable('audit_records', c.auditRecordColumns<SqliteKitTypes>(k), (t) => [
  uniqueIndex('audit_records_org_seq_key').on(t.orgId, t.seq),
  index('audit_records_org_action_idx').on(t.orgId, t.action, t.seq),
  index('audit_records_org_actor_idx').on(t.orgId, t.actorId, t.seq),
  index('audit_records_org_at_idx').on(t.orgId, t.at),
]);
export const auditHeads = sqliteTable('audit_heads', c.auditHeadColumns<SqliteKitTypes>(k));

export const enterpriseTables = { roles, roleGrants, rbacVersions, auditRecords, auditHeads };
