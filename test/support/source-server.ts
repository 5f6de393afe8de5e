// The server built from sources in this process, with the modules a variant carries: for tests of what the routes
// declare (the OpenAPI document of each variant) and of a client talking to a real server over a real socket, without
// building a bundle. On an in-memory SQLite database, migrated and ready.
import { loadConfiguration, type Config } from '../../src/config/config.js';
import { moduleDeclarations } from '../../src/features.js';
import type { Feature } from '../../src/features/feature.js';
import { registerApi } from '../../src/server/api.js';
import { buildApp } from '../../src/server/app.js';
import { bringUpDatabase } from '../../src/server/lifecycle.js';
import { createLogger } from '../../src/server/logger.js';
import { Runtime } from '../../src/server/runtime.js';
import type { FastifyInstance } from 'fastify';

/** The route sets that differ between variants: the core alone (dev), and the core with scaling and enterprise (prod). */
export type SourceVariant = 'dev' | 'prod';

export interface SourceServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

async function featuresOf(variant: SourceVariant, config: Config): Promise<Feature[]> {
  if (variant === 'dev') return [];
  const logger = createLogger('silent');
  const { createScaling } = await import('../../src/scaling/index.js');
  const { createEnterprise } = await import('../../src/enterprise/index.js');
  // Scaling only describes itself here (its routes and document parts); the database stays the core's SQLite.
  return [await createScaling({ config: undefined, logger }), await createEnterprise({ config, logger })];
}

/** Builds the app of `variant`; with `listen`, brings its database up and listens on a free port of 127.0.0.1. */
export async function sourceServer(variant: SourceVariant, { listen = false } = {}): Promise<SourceServer> {
  const { config } = loadConfiguration({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' }, {}, await moduleDeclarations());
  const features = await featuresOf(variant, config);
  const runtime = new Runtime(config, features);
  const logger = createLogger('silent');
  const app = await buildApp({ runtime, logger, routes: registerApi });
  let url = '';
  if (listen) {
    const core = features.filter((f) => !f.openDatabase);
    const db = await bringUpDatabase(config, core, logger, true);
    runtime.attach(db);
    runtime.markReady();
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  } else {
    await app.ready();
  }
  return {
    app,
    url,
    async close() {
      await app.close();
      await runtime.attached?.close();
    },
  };
}
