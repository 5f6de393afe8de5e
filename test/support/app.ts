// An application built in-process from the sources, as main.ts builds it, for tests that talk to it through
// app.inject (or, where a socket is the subject, app.listen on port 0). The one file that reaches into src/ to build
// a server: when the way main.ts assembles one changes, only this file follows.
import { loadConfiguration, type Config } from '../../src/config/config.js';
import type { ModuleSettings } from '../../src/config/module-options.js';
import type { Database } from '../../src/db/database.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Feature } from '../../src/features/feature.js';
import { loadFeatures, moduleDeclarations } from '../../src/features.js';
import { registerApi } from '../../src/server/api.js';
import { buildApp, type AppOptions } from '../../src/server/app.js';
import { bringUpDatabase, createShutdown } from '../../src/server/lifecycle.js';
import { createLogger } from '../../src/server/logger.js';
import { Runtime } from '../../src/server/runtime.js';
export { MovableClock } from '../../src/testing/clock.js';
import type { FastifyInstance } from 'fastify';

/**
 * Which modules the app carries, as a variant would: none (dist/dev), the enterprise module alone
 * (dist/dev-enterprise), or every module the sources have, loaded as the module loader loads them with every flag on
 * (dist/prod; the testing module too when the configuration asks for it).
 */
export type AppModules = 'none' | 'enterprise' | 'all';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly db: Database;
  /** Every log line written so far, parsed. */
  readonly logs: Array<Record<string, any>>;
  /** Every log line written so far, as written. */
  readonly output: string[];
  /** Listens on a free port of 127.0.0.1 (once) and returns the base URL, for what only a socket shows. */
  listen(): Promise<string>;
  /** Stops as SIGTERM does: in-flight requests finish, the modules close, then the database. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The modules the app carries; `none` by default. */
  readonly modules?: AppModules;
  /** Makes the features the app carries, given its configuration (in place of `modules`). */
  readonly features?: (config: Config, settings: ModuleSettings) => Promise<Feature[]>;
  /** Routes a test adds beside the API's, registered after them with the same guards. */
  readonly routes?: NonNullable<AppOptions['routes']>;
  /** "Now" for the server's expiry decisions, in place of the system clock (a MovableClock a test moves). */
  readonly clock?: Clock;
}

export class TestAppStopError extends Error {
  override name = 'TestAppStopError';
}

async function featuresFor(modules: AppModules, config: Config, settings: ModuleSettings, logger: ReturnType<typeof createLogger>): Promise<Feature[]> {
  if (modules === 'none') return [];
  if (modules === 'all') return loadFeatures({ config, settings, logger });
  const [{ createEnterprise }, { enterpriseOptions }] = await Promise.all([import('../../src/enterprise/index.js'), import('../../src/enterprise/options.js')]);
  return [await createEnterprise({ config, settings: settings.of(enterpriseOptions), logger })];
}

/**
 * Builds an app and brings it to ready as `serve` does: database opened (by a module that opens it, such as
 * scaling on PostgreSQL), verified and migrated, modules' ready steps run. `env` is read as the process environment is
 * (an in-memory SQLite database and no rate limits unless set).
 */
export async function buildTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const { config, settings } = loadConfiguration(
    { DATABASE_URL: 'sqlite::memory:', SIGNUP_RATE_LIMIT: '0', AUTH_FAILURE_RATE_LIMIT: '0', LOG_LEVEL: 'info', ...env },
    {},
    await moduleDeclarations(),
  );
  const logs: Array<Record<string, any>> = [];
  const output: string[] = [];
  const logger = createLogger(config.logLevel, 1, {
    write: (line: string) => {
      output.push(line.trimEnd());
      logs.push(JSON.parse(line));
    },
  });
  const features = options.features ? await options.features(config, settings) : await featuresFor(options.modules ?? 'none', config, settings, logger);
  const runtime = new Runtime(config, features);
  // The seam a module's clock comes through, without loading the testing module (and its /testing routes).
  if (options.clock) Object.defineProperty(runtime, 'clock', { value: options.clock });
  const app = await buildApp({
    runtime,
    logger,
    routes: async (fastify, rt, guards) => {
      await registerApi(fastify, rt, guards);
      await options.routes?.(fastify, rt, guards);
    },
  });
  const shutdown = createShutdown({ app, runtime, logger });
  let db: Database;
  try {
    // On SQLite the core's own adapter opens the database: a module that opens it itself (scaling) needs PostgreSQL,
    // and on SQLite only shows its routes and document parts.
    db = await bringUpDatabase(config, config.database.dialect === 'sqlite' ? features.filter((f) => !f.openDatabase) : features, logger, true);
    runtime.attach(db);
    for (const f of features) await f.ready?.({ db, changes: runtime.changes, clock: runtime.clock, tokenLifetimeMs: config.tokenLifetimeDays * 86_400_000 });
    runtime.markReady();
    await app.ready();
  } catch (err) {
    await shutdown('start-up failed');
    throw err;
  }
  let listening: Promise<string> | undefined;
  return {
    app,
    config,
    db,
    logs,
    output,
    listen: () => (listening ??= app.listen({ port: 0, host: '127.0.0.1' })),
    async close() {
      const code = await shutdown('SIGTERM');
      if (code !== 0) {
        throw new TestAppStopError(
          `the in-process app did not stop within SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms); a request or a module is still holding it up. Its last log lines:\n${output.slice(-20).join('\n')}`,
        );
      }
    },
  };
}

/** The route sets that differ between variants: the core alone (dev), and the core with scaling and enterprise (prod). */
export type SourceVariant = 'dev' | 'prod';

export interface SourceServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The app of `variant` from the sources on an in-memory SQLite database, for tests of what the routes declare (the
 * OpenAPI document of each variant) and of a client talking to a real server over a real socket; with `listen`, on
 * a free port of 127.0.0.1. Scaling only describes itself here (its routes and document parts).
 */
export async function sourceServer(variant: SourceVariant, { listen = false } = {}): Promise<SourceServer> {
  const built = await buildTestApp(
    { LOG_LEVEL: 'silent' },
    {
      features: async (config, settings) => {
        if (variant === 'dev') return [];
        const logger = createLogger('silent');
        const { createScaling } = await import('../../src/scaling/index.js');
        return [await createScaling({ config: undefined, logger }), ...(await featuresFor('enterprise', config, settings, logger))];
      },
    },
  );
  const url = listen ? await built.listen() : '';
  return { app: built.app, url, close: () => built.close() };
}

/** The signup answer's token for a new organization. */
export async function signUp(
  app: FastifyInstance,
  label: string,
  headers: Record<string, string> = {},
  remoteAddress?: string,
): Promise<{ status: number; token: string }> {
  const slug = `${label}-${Math.random().toString(36).slice(2, 10)}`;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    headers,
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
    payload: { org: { name: `Org ${slug}`, slug }, user: { email: `owner@${slug}.example`, name: 'Owner' } },
  });
  return { status: res.statusCode, token: res.json().token };
}
