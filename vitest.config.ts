import { defineConfig } from 'vitest/config';

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
      // Migration SQL is imported as text, as esbuild's text loader does in build.mjs.
      name: 'sql-as-text',
      transform(code, id) {
        if (id.endsWith('.sql')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    globalSetup: ['test/support/build-bundles.ts', 'test/support/postgres/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
