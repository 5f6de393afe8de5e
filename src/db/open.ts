// Opens the database the configuration names, through the dialect adapters this build carries. Each adapter is
// reached only by a dynamic import inside its flag's branch, so a build without that dialect holds none of it.
import type { Config } from '../config/config.js';
import { splitHosts } from '../config/database-url.js';
import { VariantLacksError } from '../errors.js';
import { buildHint, variant } from '../variant.js';
import type { OpenedDatabase } from './database.js';

export interface OpenHooks {
  onMigration?(tag: string, ms: number): void;
  onPoolError?(err: Error): void;
}

/** The pool settings of the configuration, for every Postgres pool the program opens (a module may open one per server). */
export function postgresPoolSettings(config: Config) {
  return {
    max: config.poolMax,
    connectionTimeoutMs: config.connectTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    queryTimeoutMs: config.queryTimeoutMs,
    maxLifetimeSeconds: config.maxLifetimeSeconds,
    applicationName: `flagship/${variant.name}`,
    preparedStatements: config.preparedStatements,
  };
}

export async function openDatabase(config: Config, hooks: OpenHooks = {}): Promise<OpenedDatabase> {
  const target = config.database;
  if (target.dialect === 'sqlite') {
    if (__DIALECT_SQLITE__) {
      const { openSqlite } = await import('./sqlite/driver.js');
      return openSqlite({ file: target.file, busyTimeoutMs: config.busyTimeoutMs, ...(hooks.onMigration ? { onMigration: hooks.onMigration } : {}) });
    }
  } else if (__DIALECT_POSTGRES__) {
    // Reached only when no module of this build opened the database: the adapter speaks to one server.
    if (splitHosts(target.url).length > 1) {
      throw new VariantLacksError(
        `DATABASE_URL names several hosts; the "${variant.name}" build opens one PostgreSQL server and cannot follow the read-write one among several; name the primary alone, or use a build that routes over several servers (\`node build.mjs prod\` then \`node dist/prod/server.mjs\`)`,
      );
    }
    const { openPostgres } = await import('./postgres/driver.js');
    return openPostgres({
      url: target.url,
      ...postgresPoolSettings(config),
      ...(hooks.onMigration ? { onMigration: hooks.onMigration } : {}),
      ...(hooks.onPoolError ? { onPoolError: hooks.onPoolError } : {}),
    });
  }
  // Config validation refuses these first; this guards direct callers.
  throw new VariantLacksError(`the "${variant.name}" build carries no ${target.dialect} adapter; ${buildHint(target.dialect)}`);
}
