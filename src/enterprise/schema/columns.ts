// The enterprise module's columns, written once against the core's column kit (src/db/schema/column-kit.ts) like the
// core's own, so both dialects infer identical rows. They refer to core rows by id without foreign keys: the core's
// schema never depends on the module's, and a build without the module keeps working on a database that has them.
import type { ColumnKit, KitTypes } from '../../db/schema/column-kit.js';

/** A custom role of one organization: permissions of its own plus every permission of the roles it inherits. */
export function roleColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.text(),
    name: k.text(),
    description: k.optionalText(),
    permissions: k.labels(),
    /** Names of the roles it inherits: built-in or custom roles of the same organization. */
    inherits: k.labels(),
    createdAt: k.createdAt(),
    updatedAt: k.updatedAt(),
  };
}

/** A role given to a member beyond their own `members.role`: on the whole organization or on one project. */
export function roleGrantColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { id: k.id(), orgId: k.text(), memberId: k.text(), role: k.text(), projectId: k.optionalText(), createdAt: k.createdAt() };
}

/** Bumped with every change to an organization's roles or grants, in the same transaction: instances compare it. */
export function rbacVersionColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { orgId: k.id(), version: k.int() };
}

/**
 * One audit record. `orgId` is '' for refusals that belong to no organization (an unknown token). `before`, `after`
 * and `detail` are canonical JSON text (RFC 8785), stored as hashed so verification reads exactly what was hashed.
 */
export function auditRecordColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return {
    id: k.id(),
    orgId: k.text(),
    /** 1, 2, 3... within the organization's chain. */
    seq: k.int(),
    /** When it was appended, stamped under the chain's lock (on PostgreSQL by `audit_append_record`, with the database's clock). */
    at: k.createdAt(),
    actorId: k.optionalText(),
    tokenId: k.optionalText(),
    action: k.text(),
    resourceType: k.optionalText(),
    resourceId: k.optionalText(),
    before: k.optionalText(),
    after: k.optionalText(),
    detail: k.optionalText(),
    requestId: k.optionalText(),
    ip: k.optionalText(),
    userAgent: k.optionalText(),
    prevHash: k.text(),
    hash: k.text(),
  };
}

/** The head of each organization's chain, moved under the chain's lock: it shows a tail cut off the chain. */
export function auditHeadColumns<T extends KitTypes>(k: ColumnKit<T>) {
  return { orgId: k.id(), seq: k.int(), hash: k.text() };
}
