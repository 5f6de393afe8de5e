// What the core publishes to the modules' Fastify plugins (Feature.plugin), as decorators of the root instance, so a
// module's routes authenticate, authorize, write and report exactly as the core's own do without importing server
// internals. The decorators, all on the instance (`fastify.<name>`):
// - requireAccess(access): the preHandler of a route needing a permission (optionally scoped to the `:id` of a task,
//   project or member): bearer token checked on arrival, organization confinement, then the Authorizer. The same
//   guard the core's routes use; a scoped route without `:id` is refused when it registers.
// - requireOperator: the preHandler of an operator-only route (operator.ts); every route at or under /v1/admin needs it.
// - principalOf(request): the caller of a guarded route (`request.principal`, known to be there).
// - domainOf(request): what a domain query or write needs for this request (the database or a 503, the change
//   recorder, the clock, who is asking).
// - permissions: every permission of the build, the core's and the modules'.
// - metrics: the prom-client registry served at /metrics; series added to it are read at scrape time.
// - healthReports.add(name, report): facts for the operator's /healthz, under `featureHealth.<name>`.
// - apiDocument.addHeader(header): a header every matching operation of the OpenAPI document reads and answers with.
// Registered as the fastify-plugin `flagship-core`; a module plugin names it in `dependencies` and the decorators it
// uses in `decorators`, so a missing one stops the server at registration with Fastify's own error.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { Principal } from '../domain/authorizer.js';
import type { DomainContext } from '../domain/changes.js';
import type { PermissionSet } from '../domain/permissions.js';
import type { Access } from './access.js';
import { principalOf, type Guards } from './auth.js';
import type { HealthReports } from './health-reports.js';
import type { ApiDocument } from './openapi/headers.js';
import type { Runtime } from './runtime.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The preHandler for a route needing `access` (see the top of server/decorators.ts). */
    requireAccess(access: Access): preHandlerAsyncHookHandler;
    /** The caller of a guarded route. */
    principalOf(request: FastifyRequest): Principal;
    /** What a domain query or write needs for this request. */
    domainOf(request: FastifyRequest): DomainContext;
    /** Every permission of the build. */
    readonly permissions: PermissionSet;
    /** The /metrics registry. */
    readonly metrics: Registry;
    /** Facts a module adds to the operator's /healthz. */
    readonly healthReports: HealthReports;
    /** What a module adds to the OpenAPI document. */
    readonly apiDocument: ApiDocument;
  }
}

/** The name module plugins list in their `dependencies`. */
export const CORE_PLUGIN = 'flagship-core';

export interface CoreDecorations {
  readonly runtime: Runtime;
  readonly guards: Guards;
  readonly metrics: Registry;
  readonly healthReports: HealthReports;
  readonly apiDocument: ApiDocument;
}

async function decorate(app: FastifyInstance, core: CoreDecorations): Promise<void> {
  const { runtime, guards } = core;
  app.decorate('requireAccess', (access: Access) => guards.require(access));
  app.decorate('principalOf', principalOf);
  app.decorate('domainOf', (request: FastifyRequest) => runtime.domain(request));
  app.decorate('permissions', runtime.permissions);
  app.decorate('metrics', core.metrics);
  app.decorate('healthReports', core.healthReports);
  app.decorate('apiDocument', core.apiDocument);
}

// No `fastify` version range here nor on the modules' plugins: a bundle carries the Fastify it was built with (which
// package.json pins), and Fastify checks a range with semver on each registration, some 2 ms of every start.
export const coreDecorators = fp(decorate, { name: CORE_PLUGIN });
