// PgBouncer with its defaults refuses the statement_timeout startup parameter DB_STATEMENT_TIMEOUT_MS sends. The prod
// bundle must say so at once, naming both ways out, not retry for DB_START_RETRY_MS as if the server were down.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { PGBOUNCER_MISSING, pgBouncerBinary, startPgBouncer, type RunningPgBouncer } from '../support/pgbouncer.js';
import { createDatabase } from '../support/postgres/index.js';
import { runBundle } from '../support/server-process.js';

const runnable = DIALECTS.includes('postgres') && pgBouncerBinary() !== undefined;
if (DIALECTS.includes('postgres') && !runnable) console.warn(`test/scaling/pgbouncer.test.ts: skipped, ${PGBOUNCER_MISSING}`);

describe.runIf(runnable)('prod bundle behind a PgBouncer that refuses statement_timeout', () => {
  let bouncer: RunningPgBouncer;
  beforeAll(async () => {
    const url = await createDatabase(inject('pg'), `bouncer_${Date.now()}`);
    bouncer = await startPgBouncer(url);
  });
  afterAll(async () => {
    await bouncer?.stop();
  });

  // The deadline is far below DB_START_RETRY_MS (120 s), which a retried start would run out.
  it('stops at once (exit 2) naming ignore_startup_parameters and DB_STATEMENT_TIMEOUT_MS=0', { timeout: 60_000 }, async () => {
    const { code, stderr, stdout } = await runBundle(inject('bundles').prod!, [], {
      env: { DATABASE_URL: bouncer.url, DB_START_RETRY_MS: '120000', DB_PREPARED_STATEMENTS: 'unnamed' },
    });
    const said = `${stdout}\n${stderr}`;
    expect(code, said).toBe(2);
    expect(said).toMatch(/refuses the startup parameter statement_timeout/);
    expect(said).toMatch(/ignore_startup_parameters = statement_timeout/);
    expect(said).toMatch(/DB_STATEMENT_TIMEOUT_MS=0/);
    expect(said).not.toMatch(/retrying/i);
  });

  it('starts through it with DB_STATEMENT_TIMEOUT_MS=0', { timeout: 60_000 }, async () => {
    const { code, stderr, stdout } = await runBundle(inject('bundles').prod!, ['migrate'], {
      env: { DATABASE_URL: bouncer.url, DB_STATEMENT_TIMEOUT_MS: '0', DB_PREPARED_STATEMENTS: 'unnamed' },
    });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
  });
});
