// The enterprise module's PostgreSQL tables: those of ../schema/tables.ts, built with this dialect's kit.
import type { PostgresKitTypes } from '../../db/postgres/column-kit.js';
import { postgresSchemaKit, type PostgresTable } from '../../db/postgres/schema.js';
import { defineEnterpriseTables } from '../schema/tables.js';

export const enterpriseTables = defineEnterpriseTables<PostgresKitTypes, PostgresTable>(postgresSchemaKit);

// drizzle-kit finds tables among the module's exports.
export const { roles, roleGrants, rbacVersions, auditRecords, auditHeads } = enterpriseTables;
