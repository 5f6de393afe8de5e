// The enterprise module's PostgreSQL tables (columns in ../schema/columns.ts). Triggers live in the migrations.
import { index, pgTable, uniqueIndex } from 'drizzle-orm/pg-core';
import { postgresKit as k, type PostgresKitTypes } from '../../db/postgres/column-kit.js';
import * as c from '../schema/columns.js';

export const roles = pgTable('roles', c.roleColumns<PostgresKitTypes>(k), (t) => [uniqueIndex('roles_org_name_key').on(t.orgId, t.name)]);
export const roleGrants = pgTable('role_grants', c.roleGrantColumns<PostgresKitTypes>(k), (t) => [
  index('role_grants_member_idx').on(t.memberId),
  index('role_grants_org_role_idx').on(t.orgId, t.role),
]);
export const rbacVersions = pgTable('rbac_versions', c.rbacVersionColumns<PostgresKitTypes>(k));
export const auditRecords = pgTable('audit_records', c.auditRecordColumns<PostgresKitTypes>(k), (t) => [
  uniqueIndex('audit_records_org_seq_key').on(t.orgId, t.seq),
  index('audit_records_org_action_idx').on(t.orgId, t.action, t.seq),
  index('audit_records_org_actor_idx').on(t.orgId, t.actorId, t.seq),
  index('audit_records_org_at_idx').on(t.orgId, t.at),
]);
export const auditHeads = pgTable('audit_heads', c.auditHeadColumns<PostgresKitTypes>(k));

export const enterpriseTables = { roles, roleGrants, rbacVersions, auditRecords, auditHeads };
