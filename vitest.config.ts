import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { sqlModule } from './build/sql-module.mjs';
import { PGBOUNCER_MISSING, pgBouncerBinary } from './test/support/pgbouncer.js';

/** The API contract suites: in-process on both dialects in the fast tier, through PgBouncer in the system tier. */
const API_CONTRACT = [
  'test/api/access.test.ts',
  'test/api/account.test.ts',
  'test/api/concurrency.test.ts',
  'test/api/limits.test.ts',
  'test/api/openapi.test.ts',
  'test/api/properties.test.ts',
  'test/api/tasks.test.ts',
  'test/reliability/hostile-input.test.ts',
  'test/reliability/security.test.ts',
];

/** The everyday tier: nothing here starts a server process, bar one `--ready-file` check, `audit verify` and the tools' CLIs. */
const FAST = [
  'test/unit/**/*.test.ts',
  'test/db/**/*.test.ts',
  'test/domain/**/*.test.ts',
  'test/testing/**/*.test.ts',
  'test/api/**/*.test.ts',
  'test/bundle/exclusion.test.ts',
  // The enterprise module's contract, in-process as dist/dev-enterprise and dist/prod carry it (test/support/enterprise.ts).
  'test/enterprise/audit-append.test.ts',
  'test/enterprise/audit.test.ts',
  'test/enterprise/hand-out-rule.test.ts',
  'test/enterprise/hand-out.test.ts',
  'test/enterprise/permission-matrix.test.ts',
  'test/enterprise/rbac-data-version.test.ts',
  'test/enterprise/rbac-properties.test.ts',
  'test/enterprise/rbac.test.ts',
  'test/enterprise/role-races.test.ts',
  'test/reliability/hostile-input.test.ts',
  'test/reliability/security.test.ts',
  'test/reliability/slow-clients.test.ts',
];

/**
 * The API contract runs in the system tier only on the prod bundle through PgBouncer, so only where PostgreSQL is
 * under test and PgBouncer is installed; elsewhere those suites would hold no test, and are left out with a word why.
 */
const CONTRACT_VIA_PGBOUNCER = (process.env.DIALECTS ?? 'postgres').includes('postgres') && pgBouncerBinary() !== undefined;
if (!CONTRACT_VIA_PGBOUNCER && process.argv.some((a) => a === 'system' || a === '--project=system')) {
  console.warn(`[system] ${pgBouncerBinary() ? 'DIALECTS leaves PostgreSQL out' : PGBOUNCER_MISSING}: the API contract suites do not run in this tier`);
}

/** The system tier: what needs processes and real failures, and the API contract through PgBouncer. */
const SYSTEM = [
  'test/harness.test.ts',
  'test/bundle/**/*.test.ts',
  'test/consumer/**/*.test.ts',
  'test/enterprise/**/*.test.ts',
  'test/ha/**/*.test.ts',
  'test/reliability/**/*.test.ts',
  'test/scaling/**/*.test.ts',
  ...(CONTRACT_VIA_PGBOUNCER ? API_CONTRACT : []),
];

// Tests on sources see every module switched on: one source tree, and the bundles are tested separately.
export default defineConfig({
  define: {
    __FLAG_SCALING__: 'true',
    __FLAG_ENTERPRISE__: 'true',
    __FLAG_TESTING__: 'true',
    // From sources better-sqlite3 loads its own addon from node_modules.
    __SQLITE_ADDON__: 'null',
    __DIALECT_SQLITE__: 'true',
    __DIALECT_POSTGRES__: 'true',
    __VARIANT__: JSON.stringify('source'),
    __VERSION__: JSON.stringify('0.0.0-source'),
  },
  plugins: [
    {
      // Migration SQL is imported as text with its hash, as build.mjs's plugin does.
      name: 'sql-modules',
      transform(code, id) {
        if (id.endsWith('.sql')) return { code: sqlModule(code), map: null };
        return undefined;
      },
    },
  ],
  test: {
    benchmark: { include: ['bench/**/*.bench.ts'] },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    coverage: { provider: 'v8', include: ['src/**/*.ts'], reporter: ['text-summary'] },
    // Two tiers (README, "Testing"): `npm test` runs the first, `npm run test:system` the second.
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          // A plain `vitest run` runs both tiers, this one first (projects with different worker counts need an order).
          sequence: { groupOrder: 0 },
          // Most of this tier waits on PostgreSQL and the event loop: on two cores two workers beat vitest's one.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          // Unit tests, the dialect conformance suite, the API contract in-process on both dialects, bundle exclusion.
          include: FAST,
          globalSetup: ['test/support/build-bundles.ts', 'test/support/postgres/global-setup.ts'],
          // One replica is enough here (the adapter's refusal to serve from a replica). The bundles are built through
          // build.mjs, whose leak proof runs: dev for the `--ready-file` check, prod for the exclusion report, and
          // dev-enterprise and prod for `audit verify` run as a command.
          env: { FLAGSHIP_PG_REPLICAS: '1' },
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          sequence: { groupOrder: 1 },
          // What needs processes and real failures, and the API contract suites once more on the prod bundle through
          // PgBouncer (FLAGSHIP_API_TARGETS, test/support/api.ts).
          include: SYSTEM,
          exclude: [
            ...FAST.filter((f) => f.startsWith('test/enterprise/') || f.startsWith('test/bundle/')),
            'test/reliability/slow-clients.test.ts',
            ...(CONTRACT_VIA_PGBOUNCER ? [] : API_CONTRACT.filter((f) => f.startsWith('test/reliability/'))),
          ],
          globalSetup: ['test/support/bench-leash.ts', 'test/support/build-bundles.ts', 'test/support/postgres/global-setup.ts'],
          env: { FLAGSHIP_API_TARGETS: 'pgbouncer', FLAGSHIP_PG_REPLICAS: '2' },
        },
      },
    ],
  },
});
