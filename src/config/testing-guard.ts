// The guard around the test-only tools, checked with the rest of the configuration at start. They delete data
// (/testing/reset) and move the clock, so they are served only when asked for at start with --testing, by a build
// that carries them, and on a database that dies with the process unless persistence is asked for explicitly.
import { variant } from '../variant.js';
import type { DatabaseTarget } from './database-url.js';

export interface TestingOptions {
  readonly testing: boolean;
  readonly testingAllowPersistent: boolean;
  readonly seed: string | undefined;
}

/** Every problem with the testing options, worded for the start-up error; empty when they are fine. */
export function testingProblems(options: TestingOptions, database: DatabaseTarget | undefined): string[] {
  const asked = [
    ...(options.testing ? ['--testing'] : []),
    ...(options.testingAllowPersistent ? ['--testing-allow-persistent'] : []),
    ...(options.seed !== undefined ? ['--seed'] : []),
  ];
  if (asked.length === 0) return [];
  if (!variant.testing) {
    return [
      `${asked.join(', ')}: the "${variant.name}" build does not carry the test-only tools (--testing, --testing-allow-persistent, --seed and their ` +
        'FLAGSHIP_ variables); they are compiled only into builds whose flags say "testing": true, such as dev. Run test suites against ' +
        'dist/dev/server.mjs, and start this build without these options',
    ];
  }
  if (!options.testing) return [`${asked.join(', ')} needs --testing (FLAGSHIP_TESTING=true) as well`];
  const persistent = database?.dialect === 'postgres' || (database?.dialect === 'sqlite' && database.file !== ':memory:');
  if (persistent && !options.testingAllowPersistent) {
    const shown = database.dialect === 'sqlite' ? `the file ${database.file}` : 'a PostgreSQL database';
    return [
      `--testing serves /testing/reset, which deletes every row, and the database is ${shown}; use --database-url sqlite::memory: ` +
        '(a throwaway database), or add --testing-allow-persistent if that database is meant to be wiped',
    ];
  }
  return [];
}
