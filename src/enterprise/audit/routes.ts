// /v1/audit: the caller's organization's trail, filtered and paged; streamed as NDJSON; verified; checkpointed. On the
// typed instance, guarded by the core's guards (the requireAccess decorator, server/decorators.ts).
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PageOf } from '../../domain/schemas/page.js';
import { ConflictError } from '../../errors.js';
import { bearer } from '../../server/routes/context.js';
import { errors } from '../../server/routes/schemas.js';
import { AUDIT_READ } from '../permissions.js';
import type { AuditStore } from './chain.js';
import { signCheckpoint, type AuditKey, type Checkpoint } from './checkpoint.js';
import { AuditKeyMissingError } from './errors.js';
import { exportAudit, listAudit } from './query.js';
import { AuditChainReport, AuditCheckpoint, AuditFilters, AuditQuery, AuditRecordView } from './schemas.js';
import { verifyChain } from './verify.js';

export async function auditRoutes(
  fastify: FastifyInstance,
  store: (request: FastifyRequest) => AuditStore,
  key: AuditKey | undefined,
  newestCheckpoint: (orgId: string) => Promise<Checkpoint | undefined>,
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['audit'];
  const access = app.requireAccess({ permission: AUDIT_READ });

  app.get(
    '/v1/audit',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Audit records of the organization, newest first, filtered and paged',
        operationId: 'listAudit',
        security: bearer,
        querystring: AuditQuery,
        response: { 200: PageOf(AuditRecordView), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => listAudit(store(request), app.principalOf(request).orgId, request.query),
  );

  app.get(
    '/v1/audit/export',
    {
      preHandler: access,
      schema: {
        tags,
        summary: 'Every matching record, oldest first, streamed as NDJSON (one JSON record a line) in constant memory',
        operationId: 'exportAudit',
        security: bearer,
        querystring: AuditFilters,
        produces: ['application/x-ndjson'],
        // Sent as a stream; documented as the text it is.
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', description: 'one audit record (as in GET /v1/audit) per line' }),
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const records = exportAudit(store(request), app.principalOf(request).orgId, request.query);
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
        response: { 200: AuditChainReport, ...errors(401, 403, 503) },
      },
    },
    async (request) => {
      const { orgId } = app.principalOf(request);
      // The caller's organization exists, and its creation was recorded: no chain at all is an erased one.
      return verifyChain(store(request), orgId, { checkpoint: await newestCheckpoint(orgId), mustExist: true });
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
        response: { 200: AuditCheckpoint, ...errors(401, 403, 409, 503) },
      },
    },
    async (request) => {
      if (!key?.privateKey) throw new AuditKeyMissingError();
      const { orgId } = app.principalOf(request);
      const report = await verifyChain(store(request), orgId, { checkpoint: await newestCheckpoint(orgId), mustExist: true });
      if (report.broken)
        throw new ConflictError(`the chain is broken, so no checkpoint is signed: ${report.broken.message}`, { details: { ...report.broken } });
      return signCheckpoint(key, { orgId: report.orgId, ...report.head });
    },
  );
}
