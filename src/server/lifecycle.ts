// Start and stop, in one place. `serve` listens at once (so /healthz answers and /readyz can say why it is not ready),
// then brings the database up in the background, retrying while it is unreachable (for at most DB_START_RETRY_MS; a
// database that can never work stops the server at once), lets the features get ready, and only then reports ready.
// SIGTERM/SIGINT stop accepting connections, let in-flight requests finish, close the features and the database, and
// exit 0; every step runs whatever the others do, and one that fails is logged and makes the exit code 1, as does a
// shutdown that takes longer than SHUTDOWN_TIMEOUT_MS.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { redactUrl } from '../config/database-url.js';
import type { Database, OpenedDatabase } from '../db/database.js';
import type { Migration } from '../db/migrator.js';
import { openDatabase, type OpenHooks } from '../db/open.js';
import { isRetryable, ModuleConflictError, type ErrorOutcome } from '../errors.js';
import type { Feature } from '../features/feature.js';
import { variant } from '../variant.js';
import { registerApi } from './api.js';
import { buildApp } from './app.js';
import { describeBuild } from './health-routes.js';
import { listen } from './listen.js';
import { logsFlushed, type Logger } from './logger.js';
import { ReadyFile } from './ready-file.js';
import { collectDefaultMetrics } from './prometheus.js';
import { Runtime } from './runtime.js';
import { startHooks } from '../start/hooks.js';

export function describeTarget(config: Config): string {
  const t = config.database;
  return t.dialect === 'sqlite' ? `sqlite:${t.file}` : redactUrl(t.url);
}

/** The features' own migrations for `dialect`, each tagged `<feature name>:...` so no two can collide. */
async function featureMigrations(features: readonly Feature[], dialect: Database['dialect']): Promise<Migration[]> {
  const out: Migration[] = [];
  for (const f of features) {
    if (!f.migrations) continue;
    for (const m of await f.migrations(dialect)) {
      if (!m.tag.startsWith(`${f.name}:`)) {
        throw new ModuleConflictError([
          `module "${f.name}" has a migration tagged "${m.tag}", which could collide with the core's or another module's; tag it "${f.name}:${m.tag}"`,
        ]);
      }
      out.push(m);
    }
  }
  return out;
}

/** Opens, verifies and migrates the database (the core's adapter, or the one feature that opens it). */
export async function bringUpDatabase(config: Config, features: readonly Feature[], logger: Logger, migrate: boolean): Promise<Database> {
  const hooks: OpenHooks = {
    onMigration: (tag, ms) => logger.info({ migration: tag, ms: Math.round(ms) }, 'applied migration'),
    onPoolError: (err) => logger.warn({ err: { message: err.message } }, 'a database connection failed; the pool will replace it'),
  };
  // A feature may open the database itself (a router with a pool per node; the loader allows one); else the core's adapter does.
  const opener = features.find((f) => f.openDatabase);
  const opened: OpenedDatabase = opener?.openDatabase ? await opener.openDatabase(hooks) : await openDatabase(config, hooks);
  const db: Database = opened;
  try {
    await opened.admin.verify();
    if (migrate) {
      // The features' own schemas come after the core's: their tables may refer to the core's, never the reverse.
      const report = await opened.admin.migrate(await featureMigrations(features, db.dialect));
      logger.info({ applied: report.applied, alreadyApplied: report.alreadyApplied }, report.applied.length ? 'migrations applied' : 'schema is current');
    }
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** The database could not be reached within DB_START_RETRY_MS; the CLI prints the message and exits 1. */
export class StartTimeoutError extends Error implements ErrorOutcome {
  override name = 'StartTimeoutError';
  readonly retryable = false;
  readonly exitCode = 1;
}

/**
 * Retries while the database is unreachable (a retryable error), for at most DB_START_RETRY_MS (0 = forever); any
 * other failure, and a database that can never work as configured (DatabaseMisconfiguredError), is final. `signal`
 * (SIGTERM) ends the back-off at once and resolves undefined.
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
      if (!isRetryable(err)) throw err;
      const message = (err as Error).message;
      const left = startRetryMs === 0 ? delay : deadline - Date.now();
      if (left <= 0) {
        throw new StartTimeoutError(
          `database ${describeTarget(runtime.config)} still unavailable after ${attempt} attempts in ${startRetryMs} ms (DB_START_RETRY_MS): ${message}`,
        );
      }
      const reason = `database ${describeTarget(runtime.config)} unavailable (attempt ${attempt}): ${message}`;
      runtime.waiting(reason);
      logger.warn({ attempt, retryInMs: Math.min(delay, left) }, reason);
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

/**
 * Graceful stop; resolves with the exit code and never rejects. Safe to call more than once. Every step runs whatever
 * the others do (a feature whose close throws does not keep the database open); each failure is logged and makes
 * the exit code 1.
 */
export function createShutdown({ app, runtime, logger }: Stoppable): (signal: string) => Promise<number> {
  let done: Promise<number> | undefined;
  const stop = async (signal: string): Promise<number> => {
    logger.info({ signal, timeoutMs: runtime.config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
    const timeout = new Promise<number>((resolve) => {
      setTimeout(() => {
        logger.error({ timeoutMs: runtime.config.shutdownTimeoutMs }, 'shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting anyway');
        resolve(1);
      }, runtime.config.shutdownTimeoutMs).unref();
    });
    const graceful = (async () => {
      let failed = 0;
      const step = async (what: string, run: () => Promise<unknown> | undefined) => {
        try {
          await run();
        } catch (err) {
          failed += 1;
          logger.error({ err, step: what }, `shutdown: ${what} failed; the other steps still run, and the exit code will be 1`);
        }
      };
      await step('closing the HTTP server', () => app.close());
      runtime.markStopping();
      for (const f of [...runtime.features].reverse()) await step(`closing the ${f.name} module`, () => f.close?.());
      await step('closing the database', () => runtime.attached?.close());
      if (failed === 0) logger.info('stopped');
      else logger.error({ failed }, `stopped; ${failed} shutdown step(s) failed`);
      // Out while there is still an event loop: the exit's own flush writes only what the pipe takes at once.
      await logsFlushed(logger);
      return failed === 0 ? 0 : 1;
    })();
    return Promise.race([graceful, timeout]);
  };
  return (signal) => {
    done ??= stop(signal).catch((err: unknown) => {
      process.stderr.write(`flagship: shutdown failed: ${(err as Error)?.message ?? String(err)}\n`);
      return 1;
    });
    return done;
  };
}

/** `serve`: listens, brings the database up, reports ready, and resolves with the exit code once stopped. */
export async function serve(config: Config, features: readonly Feature[], logger: Logger): Promise<number> {
  const readyFile = config.readyFile === undefined ? undefined : new ReadyFile(config.readyFile);
  await readyFile?.claim();
  const runtime = new Runtime(config, features);
  const app = await buildApp({ runtime, logger, routes: registerApi });
  const shutdown = createShutdown({ app, runtime, logger });
  // Aborted by SIGTERM/SIGINT: start-up stops retrying at once instead of sleeping out its back-off.
  const stopping = new AbortController();
  const exitCode = new Promise<number>((resolve) => {
    const stop = (why: string) => {
      stopping.abort();
      void shutdown(why).then(resolve);
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
    // Spawned with an IPC channel (as dist/dev/testing.mjs does), the server is its parent's: when the parent goes
    // away, even killed, the channel closes and the server stops rather than linger unseen.
    if (process.channel) {
      process.channel.unref();
      process.on('disconnect', () => stop('disconnect'));
    }
  });
  const address = await listen(app, config);
  // Every line already carries `variant` (the logger's base): the build's description adds the rest, not it twice.
  const { variant: _named, ...build } = describeBuild(runtime.features);
  logger.info({ address, ...build, database: describeTarget(config) }, `flagship listening on ${address}`);

  const started = bringUpWithRetry(runtime, logger, stopping.signal).then(async (db) => {
    if (!db) return exitCode;
    if (stopping.signal.aborted) {
      await db.close();
      return exitCode;
    }
    runtime.attach(db);
    const facts: Record<string, unknown> = {};
    for (const f of runtime.features) {
      // Not through runtime.domain(): that answers 503 until the server is ready, which this comes before.
      const fact = f.ready
        ? await f.ready({ db, changes: runtime.changes, clock: runtime.clock, tokenLifetimeMs: config.tokenLifetimeDays * 86_400_000 })
        : undefined;
      if (fact) facts[f.name] = fact;
    }
    // A signal while the features got ready: shutdown closes the database; nothing is announced.
    if (!runtime.markReady()) return exitCode;
    const readyFacts = { url: address, pid: process.pid, variant: variant.name, ...facts };
    await readyFile?.write(readyFacts);
    // A parent holding an IPC channel (dist/dev/testing.mjs) gets the same facts over it: no file to leave behind.
    if (process.connected) process.send?.({ flagship: 'ready', ...readyFacts }, undefined, {}, () => undefined);
    logger.info({ dialect: db.dialect, url: address }, 'ready');
    // Off the start path: the default metrics observe the event loop and GC from here on (a scrape before would add them).
    setImmediate(() => void collectDefaultMetrics(app.metrics));
    // Started by start.mjs: the code compiled by now is what the next start can take from V8's code cache.
    const start = startHooks();
    if (start) void start.ready().then((saved) => logger.debug({ codeCache: { ...start.codeCache, ...(saved ? { saved } : {}) } }, 'code cache'));
    return exitCode;
  });
  // A signal during start-up exits as soon as shutdown is done; a start-up failure rejects and exits non-zero.
  const code = await Promise.race([exitCode, started]);
  await readyFile?.remove();
  return code;
}
