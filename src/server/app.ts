// Builds the Fastify application: request ids, JSON-only bodies, the error catalogue, health, the API, then each
// module's Fastify plugin (Feature.plugin) on the decorators the core publishes (decorators.ts). It does not listen;
// lifecycle.ts does.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { clientErrorHandler, errorHandlerFor, frameworkErrorHandler, notFoundHandler } from './error-handler.js';
import { coreDecorators } from './decorators.js';
import { HealthReports } from './health-reports.js';
import { registerHealthRoutes } from './health-routes.js';
import { ApiDocument } from './openapi/headers.js';
import { connectionTimeouts, limitConnections } from './connection-limits.js';
import { OperatorAccess } from './operator.js';
import { refuseWhileClosing } from './refuse-while-closing.js';
import type { TrustProxy } from '../config/trust-proxy.js';
import { createMetrics, registerMetrics } from './metrics.js';
import { registerMethodNotAllowed } from './method-not-allowed.js';
import { Guards } from './auth.js';
import type { Logger } from './logger.js';
import { registerRateLimits } from './rate-limits.js';
import { registerRequestLog } from './request-log.js';
import type { Runtime } from './runtime.js';
import { registerResponseHeaders } from './security-headers.js';
import { serializersOnFirstUse } from './serialization.js';
import { validatorCompiler } from './validation.js';

type ValidatorBuilder = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Registers the API (kept apart so tests can build a bare app). */
  readonly routes?: (app: FastifyInstance, runtime: Runtime, guards: Guards) => Promise<void>;
}

/** TRUST_PROXY as Fastify takes it: a hop count becomes the function that trusts that many hops. */
function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return trust === 0 ? false : (_address, hop) => hop < trust;
  return trust === false ? false : [...trust];
}

export async function buildApp({ runtime, logger, routes }: AppOptions): Promise<FastifyInstance> {
  const { config } = runtime;
  const validate = validatorCompiler();
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    // Every connection is bounded in time (connection-limits.ts); maxConnections is set on the server below.
    ...connectionTimeouts(config),
    // Honour a caller's id so one request can be followed across services; make one otherwise.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Idle keep-alive sockets are closed at shutdown; sockets with a request in flight are left to finish.
    forceCloseConnections: 'idle',
    // Refused by a hook of ours instead (refuse-while-closing.ts), with the envelope and headers of every answer.
    return503OnClosing: false,
    clientErrorHandler,
    // request-log.ts writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors met before routing (a path that does not percent-decode) get our envelope and request id too.
    frameworkErrors: frameworkErrorHandler,
    // Both compilers given here: Fastify loads its default ones (and their ajv instances) only for a part left out.
    // (Fastify types buildValidator for ajv's route definitions; ours is the plain compiler setValidatorCompiler takes.)
    schemaController: { compilersFactory: { buildValidator: (() => validate) as unknown as ValidatorBuilder, buildSerializer: serializersOnFirstUse() } },
  });
  // JSON is the only body the API speaks; anything else is a 415 rather than a string handed to a handler.
  app.removeContentTypeParser('text/plain');
  // Set before the hooks and routes below, which it must cover; the operator it tells apart is made further down.
  const known: { operator?: OperatorAccess } = {};
  app.setErrorHandler(errorHandlerFor((request) => known.operator?.byAddress(request) ?? false));
  app.setNotFoundHandler(notFoundHandler);
  registerMethodNotAllowed(app);
  registerResponseHeaders(app);
  // After the headers' hook, so its refusal carries them.
  refuseWhileClosing(app);
  registerRequestLog(app);
  limitConnections(app, config);
  // One failed-authentication limiter for tenant tokens and operator tokens alike.
  const failures = await registerRateLimits(app, config);
  const operator = new OperatorAccess(config, failures);
  known.operator = operator;
  operator.register(app);
  const metrics = createMetrics(runtime);
  registerMetrics(app, metrics, operator);
  const healthReports = new HealthReports();
  await registerHealthRoutes(app, runtime, operator, healthReports);
  // One set of guards for the core's routes and every module's.
  const guards = new Guards(runtime, failures);
  guards.register(app);
  await app.register(coreDecorators, { runtime, guards, metrics, healthReports, apiDocument: new ApiDocument() });
  if (routes) await routes(app, runtime, guards);
  // After the core's routes, each on the root instance (fastify-plugin): their hooks apply to every route.
  for (const feature of runtime.features) if (feature.plugin) await app.register(feature.plugin);
  return app;
}
