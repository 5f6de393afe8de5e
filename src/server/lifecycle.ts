// Start and stop. `serve` listens at once (so /healthz answers and /readyz can say why it is not ready), then brings
// the database up in the background, retrying while it is unreachable (for at most DB_START_RETRY_MS; a database
// that can never work stops the server at once). SIGTERM/SIGINT stop accepting connections,
// let in-flight requests finish, close features and the database, and exit 0, or exit 1 when that takes longer
// than SHUTDOWN_TIMEOUT_MS.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { redactUrl } from '../config/database-url.js';
import type { Database, OpenedDatabase } from '../db/database.js';
import { DatabaseMisconfiguredError } from '../db/errors.js';
import { openDatabase, type OpenHooks } from '../db/open.js';
import { UnavailableError } from '../errors.js';
import type { Feature } from '../features/feature.js';
import { logsFlushed, type Logger } from './logger.js';
import type { Runtime } from './runtime.js';

export function describeTarget(config: Config): string {
  const t = config.database;
  return t.dialect === 'sqlite' ? `sqlite:${t.file}` : redactUrl(t.url);
}

/** Opens, verifies and migrates the database, wrapped by every feature that wraps it. */
export async function bringUpDatabase(config: Config, features: readonly Feature[], logger: Logger, migrate: boolean): Promise<Database> {
  const hooks: OpenHooks = {
    onMigration: (tag, ms) => logger.info({ migration: tag, ms: Math.round(ms) }, 'applied migration'),
    onPoolError: (err) => logger.warn({ err: { message: err.message } }, 'a database connection failed; the pool will replace it'),
  };
  // A feature may open the database itself (the scaling router: a pool per node); otherwise the core's adapter does.
  const opener = features.find((f) => f.openDatabase);
  const opened: OpenedDatabase = opener?.openDatabase ? await opener.openDatabase(hooks) : await openDatabase(config, hooks);
  let db: Database = opened;
  try {
    await opened.admin.verify();
    if (migrate) {
      // The features' own schemas come after the core's: their tables may refer to the core's, never the reverse.
      const extra = [];
      for (const f of features) if (f.migrations) extra.push(...(await f.migrations(db.dialect)));
      const report = await opened.admin.migrate(extra);
      logger.info({ applied: report.applied, alreadyApplied: report.alreadyApplied }, report.applied.length ? 'migrations applied' : 'schema is current');
    }
    for (const f of features) if (f.wrapDatabase) db = await f.wrapDatabase(db);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** The database could not be reached within DB_START_RETRY_MS; the CLI prints the message and exits 1. */
export class StartTimeoutError extends Error {
  override name = 'StartTimeoutError';
}

/**
 * Retries while the database is unreachable, for at most DB_START_RETRY_MS (0 = forever); any other failure, and a
 * database that can never work as configured (DatabaseMisconfiguredError), is final. `signal` (SIGTERM) ends the
 * back-off at once and resolves undefined.
 */
export async function bringUpWithRetry(runtime: Runtime, logger: Logger, signal: AbortSignal): Promise<Database | undefined> {
  const { startRetryMs } = runtime.config;
  const deadline = Date.now() + startRetryMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await bringUpDatabase(runtime.config, runtime.features, logger, runtime.config.migrateOnStart);
    } catch (err) {
      if (signal.aborted) return undefined;
      if (!(err instanceof UnavailableError) || err instanceof DatabaseMisconfiguredError) throw err;
      const left = startRetryMs === 0 ? delay : deadline - Date.now();
      if (left <= 0) {
        throw new StartTimeoutError(
          `database ${describeTarget(runtime.config)} still unavailable after ${attempt} attempts in ${startRetryMs} ms (DB_START_RETRY_MS): ${err.message}`,
        );
      }
      runtime.reason = `database ${describeTarget(runtime.config)} unavailable (attempt ${attempt}): ${err.message}`;
      logger.warn({ attempt, retryInMs: Math.min(delay, left) }, runtime.reason);
      try {
        await sleep(Math.min(delay, left), undefined, { signal });
      } catch {
        return undefined;
      }
      delay = Math.min(delay * 2, 5000);
    }
  }
}

export interface Stoppable {
  app: FastifyInstance;
  runtime: Runtime;
  logger: Logger;
}

/** Graceful stop; resolves with the exit code. Safe to call more than once. */
export function createShutdown({ app, runtime, logger }: Stoppable): (signal: string) => Promise<number> {
  let done: Promise<number> | undefined;
  return (signal) => {
    done ??= (async () => {
      logger.info({ signal, timeoutMs: runtime.config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
      const timeout = new Promise<number>((resolve) => {
        setTimeout(() => {
          logger.error({ timeoutMs: runtime.config.shutdownTimeoutMs }, 'shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting anyway');
          resolve(1);
        }, runtime.config.shutdownTimeoutMs).unref();
      });
      const graceful = (async () => {
        await app.close();
        runtime.state = 'stopping';
        for (const f of [...runtime.features].reverse()) await f.close?.();
        await runtime.attached?.close();
        logger.info('stopped');
        // Out while there is still an event loop: the exit's own flush writes only what the pipe takes at once.
        await logsFlushed(logger);
        return 0;
      })();
      return Promise.race([graceful, timeout]);
    })();
    return done;
  };
}
