// The shapes of /v1/audit as TypeBox schemas: the routes validate and document with them, and the filters' type
// (query.ts) comes from them.
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { Id, Instant, NullableString, SAFE_TEXT, StringEnum } from '../../domain/schemas/common.js';
import { pageFields } from '../../domain/schemas/page.js';
import { CHAIN_PROBLEMS } from './verify.js';

/** An object or null, as one `type` list (see NullableString). */
function NullableObject<T extends TObject>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });
}

const filterFields = {
  actor: Type.Optional(Type.String({ format: 'uuid', description: 'member id of the actor' })),
  // Safe text, as every text the API takes: a NUL was refused by PostgreSQL alone, with its own words, and matched
  // nothing on SQLite.
  action: Type.Optional(Type.String({ maxLength: 100, pattern: SAFE_TEXT, description: 'e.g. task.create, member.grants, auth.failed, access.denied' })),
  resourceType: Type.Optional(Type.String({ maxLength: 50, pattern: SAFE_TEXT })),
  resourceId: Type.Optional(Type.String({ maxLength: 100, pattern: SAFE_TEXT })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'records at or after this instant' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'records at or before this instant' })),
};

/** What GET /v1/audit/export takes: the filters alone. */
export const AuditFilters = Type.Object(filterFields, { additionalProperties: false });
export type AuditFilter = Static<typeof AuditFilters>;

/** What GET /v1/audit takes: the filters and a page. */
export const AuditQuery = Type.Object({ ...pageFields, ...filterFields }, { additionalProperties: false });

export const AuditRecordView = Type.Object(
  {
    id: Type.Optional(Id),
    seq: Type.Optional(Type.Integer()),
    at: Type.Optional(Instant),
    action: Type.Optional(Type.String()),
    actor: Type.Optional(NullableObject(Type.Object({ memberId: Type.Optional(Type.String()), tokenId: Type.Optional(NullableString()) }))),
    resource: Type.Optional(NullableObject(Type.Object({ type: Type.Optional(Type.String()), id: Type.Optional(NullableString()) }))),
    before: Type.Optional(Type.Unknown()),
    after: Type.Optional(Type.Unknown()),
    detail: Type.Optional(Type.Unknown()),
    request: Type.Optional(
      Type.Object({ id: Type.Optional(NullableString()), ip: Type.Optional(NullableString()), userAgent: Type.Optional(NullableString()) }),
    ),
    prevHash: Type.Optional(Type.String()),
    hash: Type.Optional(Type.String()),
  },
  { title: 'AuditRecord' },
);

export const AuditChainReport = Type.Object(
  {
    orgId: Type.String(),
    ok: Type.Boolean(),
    records: Type.Integer(),
    head: Type.Object({ seq: Type.Optional(Type.Integer()), hash: Type.Optional(Type.String()) }),
    checkpoint: Type.Optional(
      Type.Object(
        { seq: Type.Optional(Type.Integer()), at: Type.Optional(Instant) },
        { description: 'the newest signed checkpoint the chain was held to (AUDIT_CHECKPOINT_FILE, or taken by this server)' },
      ),
    ),
    broken: Type.Optional(
      Type.Object({
        seq: Type.Optional(Type.Integer()),
        id: Type.Optional(NullableString()),
        problem: Type.Optional(StringEnum(CHAIN_PROBLEMS)),
        message: Type.Optional(Type.String()),
      }),
    ),
  },
  { title: 'AuditChainReport' },
);

export const AuditCheckpoint = Type.Object(
  {
    v: Type.Integer(),
    orgId: Type.String(),
    seq: Type.Integer(),
    hash: Type.String(),
    at: Instant,
    keyId: Type.String(),
    signature: Type.String(),
  },
  { title: 'AuditCheckpoint' },
);
