// The enterprise module's tables once: columns (columns.ts) and indexes, built like the core's own
// (src/db/schema/tables.ts) with the kit of the dialect in use, which each dialect's schema.ts hands in. The triggers
// that keep audit records append-only live in the migrations.
import { sql } from 'drizzle-orm';
import { schemaBuilders, type SchemaKit, type TableType } from '../../db/schema/tables.js';
import type { KitTypes } from '../../db/schema/column-kit.js';
import { auditHeadColumns, auditRecordColumns, rbacVersionColumns, roleColumns, roleGrantColumns } from './columns.js';

/** The module's tables, built with one dialect's kit; F says what that dialect's table type is. */
export function defineEnterpriseTables<T extends KitTypes, F extends TableType>(kit: SchemaKit<T>) {
  const s = schemaBuilders<T, F>(kit);
  const k = s.columns;
  const roles = s.table('roles', roleColumns(k), (t) => [s.uniqueIndex('roles_org_name_key').on(t.orgId, t.name)]);
  const roleGrants = s.table('role_grants', roleGrantColumns(k), (t) => [
    s.index('role_grants_member_idx').on(t.memberId),
    s.index('role_grants_org_role_idx').on(t.orgId, t.role),
  ]);
  const rbacVersions = s.table('rbac_versions', rbacVersionColumns(k));
  // The three filter indexes are partial on their filter column being set. Every listing that uses one compares that
  // column, which implies the condition; a lookup by (org_id, seq) compares none of them, so the only index whose
  // condition it meets with more than org_id is the unique one. That matters on PostgreSQL, where the head's record
  // check (a trigger, migration 0002) keeps one generic plan per connection: on a new, small table all four indexes
  // looked as cheap, and a plan through (org_id, at) read every record of the organization on each append.
  const auditRecords = s.table('audit_records', auditRecordColumns(k), (t) => [
    s.uniqueIndex('audit_records_org_seq_key').on(t.orgId, t.seq),
    s
      .index('audit_records_org_action_idx')
      .on(t.orgId, t.action, t.seq)
      .where(sql`${t.action} IS NOT NULL`),
    s
      .index('audit_records_org_actor_idx')
      .on(t.orgId, t.actorId, t.seq)
      .where(sql`${t.actorId} IS NOT NULL`),
    s
      .index('audit_records_org_at_idx')
      .on(t.orgId, t.at)
      .where(sql`${t.at} IS NOT NULL`),
  ]);
  const auditHeads = s.table('audit_heads', auditHeadColumns(k));
  return { roles, roleGrants, rbacVersions, auditRecords, auditHeads };
}
