// What only the Postgres adapter has to get right: pool limits, refusing a replica, statement timeouts.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DatabaseUnavailableError, PrimaryRequiredError } from '../../src/db/errors.js';
import { openPostgres, type PostgresOptions } from '../../src/db/postgres/driver.js';
import { postgresHandle } from '../../src/db/postgres/handle.js';
import { openSqlite } from '../../src/db/sqlite/driver.js';
import { createDatabase, replicaUrl, waitForReplay } from '../support/postgres/index.js';
import { DIALECTS } from '../support/dialects.js';
import { waitFor } from '../support/wait.js';

const base = {
  max: 2,
  connectionTimeoutMs: 5000,
  idleTimeoutMs: 1000,
  statementTimeoutMs: 30_000,
  maxLifetimeSeconds: 0,
  applicationName: 'flagship-test',
} satisfies Omit<PostgresOptions, 'url'>;

describe.runIf(DIALECTS.includes('postgres'))('Postgres adapter', () => {
  let url: string;
  beforeAll(async () => {
    url = await createDatabase(inject('pg'), `pga_${Date.now()}`);
  });

  it('answers 503 when every pooled connection stays busy past the acquire timeout', async () => {
    const db = openPostgres({ ...base, url, max: 1, connectionTimeoutMs: 300 });
    let release: (() => void) | undefined;
    const holding = db.transaction(() => new Promise<void>((r) => (release = r)));
    await waitFor('the only connection held by a transaction', () => release !== undefined);
    const err = await db.transaction(async () => 'never').catch((e: unknown) => e);
    release!();
    await holding;
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/all 1 database connections stayed busy for 300 ms; retry shortly, or raise DB_POOL_MAX/);
    await db.close();
  });

  it('maps a statement timeout to 503 with the setting to change', async () => {
    const db = openPostgres({ ...base, url, statementTimeoutMs: 100 });
    const err = await db.read((q) => postgresHandle(q).execute(sql`select pg_sleep(2)`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).toMatch(/statement timeout \(DB_STATEMENT_TIMEOUT_MS\)/);
    await db.close();
  });

  it('refuses a server in recovery where it needs a primary, naming the fix', async () => {
    const info = inject('pg');
    expect(info.replicas.length).toBeGreaterThan(0);
    await waitForReplay(info);
    const db = openPostgres({ ...base, url: replicaUrl(url, info.replicas[0]!) });
    const err = await db.verify().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrimaryRequiredError);
    expect((err as Error).message).toMatch(/is a server in recovery \(a read replica or a standby\); DATABASE_URL must name the primary/);
    await db.close();
  });

  it("hands Postgres-only code its handle, and refuses another dialect's", async () => {
    const db = openPostgres({ ...base, url });
    const [row] = await db.read(async (q) => (await postgresHandle(q).execute<{ n: number }>(sql`select 41 + 1 as n`)).rows);
    expect(row).toEqual({ n: 42 });
    await db.close();
    const sqlite = openSqlite({ file: ':memory:', busyTimeoutMs: 100 });
    await expect(sqlite.read(async (q) => postgresHandle(q))).rejects.toThrow(/given the query handle of another dialect/);
    await sqlite.close();
  });

  it('accepts the primary', async () => {
    const db = openPostgres({ ...base, url });
    await expect(db.verify()).resolves.toBeUndefined();
    await db.close();
  });
});
