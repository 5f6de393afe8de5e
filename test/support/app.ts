// An application built in-process from the sources, as main.ts builds it, on a throwaway SQLite database, for tests
// that talk to it through app.inject (or, where a socket is the subject, app.listen on port 0).
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import type { Feature } from '../../src/features/feature.js';
import { registerApi } from '../../src/server/api.js';
import { buildApp, type AppOptions } from '../../src/server/app.js';
import { bringUpDatabase } from '../../src/server/lifecycle.js';
import { createLogger } from '../../src/server/logger.js';
import { Runtime } from '../../src/server/runtime.js';
import type { FastifyInstance } from 'fastify';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly db: Database;
  /** Every log line written so far, parsed. */
  readonly logs: Array<Record<string, any>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Makes the features the app carries, given its configuration (none by default). */
  readonly features?: (config: Config) => Promise<Feature[]>;
  /** Routes a test adds beside the API's, registered after them with the same guards. */
  readonly routes?: NonNullable<AppOptions['routes']>;
}

/** Builds and readies an app; `env` is read as the process environment is (rate limits off unless set). */
export async function buildTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', SIGNUP_RATE_LIMIT: '0', AUTH_FAILURE_RATE_LIMIT: '0', LOG_LEVEL: 'info', ...env }, {});
  const logs: Array<Record<string, any>> = [];
  const logger = createLogger(config.logLevel, 1, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const features = options.features ? await options.features(config) : [];
  const runtime = new Runtime(config, features);
  const app = await buildApp({
    runtime,
    logger,
    routes: async (fastify, rt, guards) => {
      await registerApi(fastify, rt, guards);
      await options.routes?.(fastify, rt, guards);
    },
  });
  // The core's own adapter, whatever the features: a module that opens the database itself (scaling) needs PostgreSQL.
  const db = await bringUpDatabase(
    config,
    features.filter((f) => !f.openDatabase),
    logger,
    true,
  );
  runtime.attach(db);
  runtime.markReady();
  await app.ready();
  return {
    app,
    config,
    db,
    logs,
    async close() {
      await app.close();
      await db.close();
    },
  };
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
