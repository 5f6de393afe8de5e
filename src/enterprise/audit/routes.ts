// /v1/audit: the caller's organization's trail, filtered and paged; streamed as NDJSON; verified; checkpointed.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Id as id, Instant as instant } from '../../domain/schemas/common.js';
import { PageOf, pageFields, type PageRequest } from '../../domain/schemas/page.js';
import type { RouteHost } from '../../features/feature.js';
import { ConflictError } from '../../errors.js';
import { bearer } from '../../server/routes/context.js';
import { errors } from '../../server/routes/schemas.js';
import { AUDIT_READ } from '../permissions.js';
import type { AuditStore } from './chain.js';
import { signCheckpoint, type AuditKey, type Checkpoint } from './checkpoint.js';
import { AuditKeyMissingError } from './errors.js';
import { exportAudit, listAudit, type AuditFilter } from './query.js';
import { CHAIN_PROBLEMS, verifyChain } from './verify.js';

const filters = {
  actor: { ...id, description: 'member id of the actor' },
  action: { type: 'string', maxLength: 100, description: 'e.g. task.create, member.grants, auth.failed, access.denied' },
  resourceType: { type: 'string', maxLength: 50 },
  resourceId: { type: 'string', maxLength: 100 },
  from: { ...instant, description: 'records at or after this instant' },
  to: { ...instant, description: 'records at or before this instant' },
} as const;

const auditView = {
  type: 'object',
  title: 'AuditRecord',
  properties: {
    id,
    seq: { type: 'integer' },
    at: instant,
    action: { type: 'string' },
    actor: { type: ['object', 'null'], properties: { memberId: { type: 'string' }, tokenId: { type: ['string', 'null'] } } },
    resource: { type: ['object', 'null'], properties: { type: { type: 'string' }, id: { type: ['string', 'null'] } } },
    before: {},
    after: {},
    detail: {},
    request: { type: 'object', properties: { id: { type: ['string', 'null'] }, ip: { type: ['string', 'null'] }, userAgent: { type: ['string', 'null'] } } },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

const chainReport = {
  type: 'object',
  title: 'AuditChainReport',
  required: ['orgId', 'ok', 'records', 'head'],
  properties: {
    orgId: { type: 'string' },
    ok: { type: 'boolean' },
    records: { type: 'integer' },
    head: { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' } } },
    checkpoint: {
      type: 'object',
      description: 'the newest signed checkpoint the chain was held to (AUDIT_CHECKPOINT_FILE, or taken by this server)',
      properties: { seq: { type: 'integer' }, at: instant },
    },
    broken: {
      type: 'object',
      properties: {
        seq: { type: 'integer' },
        id: { type: ['string', 'null'] },
        problem: { type: 'string', enum: CHAIN_PROBLEMS },
        message: { type: 'string' },
      },
    },
  },
} as const;

const checkpointView = {
  type: 'object',
  title: 'AuditCheckpoint',
  required: ['v', 'orgId', 'seq', 'hash', 'at', 'keyId', 'signature'],
  properties: {
    v: { type: 'integer' },
    orgId: { type: 'string' },
    seq: { type: 'integer' },
    hash: { type: 'string' },
    at: instant,
    keyId: { type: 'string' },
    signature: { type: 'string' },
  },
} as const;

export async function auditRoutes(
  app: FastifyInstance,
  host: RouteHost,
  store: () => AuditStore,
  key: AuditKey | undefined,
  newestCheckpoint: (orgId: string) => Promise<Checkpoint | undefined>,
): Promise<void> {
  const tags = ['audit'];
  const access = host.require({ permission: AUDIT_READ });

  app.get<{ Querystring: AuditFilter & PageRequest }>(
    '/v1/audit',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Audit records of the organization, newest first, filtered and paged',
        operationId: 'listAudit',
        security: bearer,
        querystring: { type: 'object', additionalProperties: false, properties: { ...pageFields, ...filters } },
        // The view is plain JSON Schema; PageOf takes it as a TypeBox schema of unknown content.
        response: { 200: PageOf(Type.Unsafe<unknown>(auditView)), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listAudit(store(), host.principalOf(request).orgId, request.query),
  );

  app.get<{ Querystring: AuditFilter }>(
    '/v1/audit/export',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Every matching record, oldest first, streamed as NDJSON (one JSON record a line) in constant memory',
        operationId: 'exportAudit',
        security: bearer,
        querystring: { type: 'object', additionalProperties: false, properties: filters },
        produces: ['application/x-ndjson'],
        response: { 200: { type: 'string', description: 'one audit record (as in GET /v1/audit) per line' }, ...errors(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const records = exportAudit(store(), host.principalOf(request).orgId, request.query);
      const lines = Readable.from(
        (async function* () {
          for await (const record of records) yield `${JSON.stringify(record)}\n`;
        })(),
      );
      return reply.type('application/x-ndjson; charset=utf-8').send(lines);
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      preHandler: access,
      schema: {
        tags,
        summary: "Recheck the organization's hash chain, held to its newest signed checkpoint; names the first broken record and how it broke",
        operationId: 'verifyAudit',
        security: bearer,
        response: { 200: chainReport, ...errors(401, 403, 503) },
      },
    },
    async (request) => {
      const { orgId } = host.principalOf(request);
      // The caller's organization exists, and its creation was recorded: no chain at all is an erased one.
      return verifyChain(store(), orgId, { checkpoint: await newestCheckpoint(orgId), mustExist: true });
    },
  );

  app.get(
    '/v1/audit/checkpoint',
    {
      preHandler: access,
      schema: {
        tags,
        summary: "A checkpoint of the organization's chain head signed with the server's Ed25519 key (AUDIT_KEY_FILE); keep it outside the database",
        security: bearer,
        response: { 200: checkpointView, ...errors(401, 403, 409, 503) },
      },
    },
    async (request) => {
      if (!key?.privateKey) throw new AuditKeyMissingError();
      const { orgId } = host.principalOf(request);
      const report = await verifyChain(store(), orgId, { checkpoint: await newestCheckpoint(orgId), mustExist: true });
      if (report.broken)
        throw new ConflictError(`the chain is broken, so no checkpoint is signed: ${report.broken.message}`, { details: { ...report.broken } });
      return signCheckpoint(key, { orgId: report.orgId, ...report.head });
    },
  );
}
