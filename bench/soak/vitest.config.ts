// The soak run (npm run soak): the bundles are built as for the test suite; the soak starts its own PostgreSQL.
import { defineConfig } from 'vitest/config';

const duration = Number(process.env.SOAK_DURATION_S ?? 300);

export default defineConfig({
  test: {
    include: ['bench/soak/*.soak.ts'],
    globalSetup: ['test/support/build-bundles.ts'],
    // The run itself, plus starting and stopping a cluster; bounded so a stuck run still ends.
    testTimeout: (duration + 240) * 1000,
    hookTimeout: 240_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
