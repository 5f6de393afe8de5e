// The enterprise module's SQLite tables: those of ../schema/tables.ts, built with this dialect's kit.
import type { SqliteKitTypes } from '../../db/sqlite/column-kit.js';
import { sqliteSchemaKit, type SqliteTable } from '../../db/sqlite/schema.js';
import { defineEnterpriseTables } from '../schema/tables.js';

export const enterpriseTables = defineEnterpriseTables<SqliteKitTypes, SqliteTable>(sqliteSchemaKit);

// drizzle-kit finds tables among the module's exports.
export const { roles, roleGrants, rbacVersions, auditRecords, auditHeads } = enterpriseTables;
