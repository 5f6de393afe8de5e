// The enterprise tables of the dialect in use. Each dialect's physical schema and migrations sit in a subfolder
// named for it (./postgres/, ./sqlite/), reached only by a dynamic import inside that dialect's flag, so a build
// without the dialect carries none of it (build.mjs proves it for `src/**/<dialect>/`).
import type { Migration } from '../db/migrator.js';
import { VariantLacksError } from '../errors.js';
import { buildHint, variant, type Dialect } from '../variant.js';
import type { enterpriseTables } from './postgres/schema.js';

/** Typed as the Postgres flavour, like the core's Tables (src/db/schema.ts); the SQLite objects infer the same rows. */
export type EnterpriseTables = typeof enterpriseTables;

export interface EnterpriseSchema {
  readonly tables: EnterpriseTables;
  migrations(): Promise<Migration[]>;
}

export async function enterpriseSchema(dialect: Dialect): Promise<EnterpriseSchema> {
  if (dialect === 'sqlite') {
    if (__DIALECT_SQLITE__) {
      const [{ enterpriseTables: tables }, { migrations }] = await Promise.all([import('./sqlite/schema.js'), import('./sqlite/migrate.js')]);
      return { tables: tables as unknown as EnterpriseTables, migrations };
    }
  } else if (__DIALECT_POSTGRES__) {
    const [{ enterpriseTables: tables }, { migrations }] = await Promise.all([import('./postgres/schema.js'), import('./postgres/migrate.js')]);
    return { tables, migrations };
  }
  throw new VariantLacksError(`the "${variant.name}" build carries no ${dialect} adapter; ${buildHint(dialect)}`);
}
