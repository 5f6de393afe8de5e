// Everything HTTP of the enterprise module, as one Fastify plugin on the core's decorators (server/decorators.ts): the
// RBAC routes (rbac/routes.ts) and the audit routes (audit/routes.ts), the per-request hook of the RBAC cache, and its
// facts on the operator's /healthz.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Database } from '../db/database.js';
import type { PermissionSet } from '../domain/permissions.js';
import { CORE_PLUGIN } from '../server/decorators.js';
import type { AuditStore } from './audit/chain.js';
import type { AuditKey, Checkpoint } from './audit/checkpoint.js';
import { auditRoutes } from './audit/routes.js';
import { rbacRoutes } from './rbac/routes.js';
import type { RbacStore } from './rbac/store.js';

export interface EnterpriseHttp {
  rbacStore(db: Database, permissions: PermissionSet): RbacStore;
  auditStore(db: Database): AuditStore;
  /** Roles or grants of the organization changed on this instance: enforce it here at once. */
  changed(orgId: string): Promise<void>;
  /** A request began: the RBAC cache reads data_version again at its first decision (SQLite). */
  requestStarted(): void;
  readonly key: AuditKey | undefined;
  newestCheckpoint(orgId: string): Promise<Checkpoint | undefined>;
  health(): Promise<Record<string, unknown>>;
}

export function enterprisePlugin(http: EnterpriseHttp) {
  return fp(
    async (app: FastifyInstance) => {
      // Only builds that carry SQLite pay for a per-request hook; only data_version freshness does anything with it.
      if (__DIALECT_SQLITE__) {
        app.addHook('preValidation', (_request, _reply, done) => {
          http.requestStarted();
          done();
        });
      }
      const db = (request: FastifyRequest) => app.domainOf(request).db;
      await rbacRoutes(app, (request) => http.rbacStore(db(request), app.permissions), http.changed);
      await auditRoutes(app, (request) => http.auditStore(db(request)), http.key, http.newestCheckpoint);
      app.healthReports.add('enterprise', http.health);
    },
    {
      name: 'flagship-enterprise',
      dependencies: [CORE_PLUGIN],
      decorators: { fastify: ['requireAccess', 'principalOf', 'domainOf', 'permissions', 'healthReports'] },
    },
  );
}
