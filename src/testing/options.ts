// The options the testing module owns, its settings and the guard around them, checked with the rest of the
// configuration at start. The tools delete data (/testing/reset) and move the clock, so they are served only when
// asked for at start with --testing, by a build that carries them, and on a database that dies with the process
// unless persistence is asked for explicitly. A build without this module refuses these options (the loader says so).
import type { ModuleOptions, OptionValues, SettingsContext } from '../config/module-options.js';
import type { OptionSpec } from '../config/options.js';

export const TESTING_OPTIONS: readonly OptionSpec[] = Object.freeze([
  {
    key: 'testing',
    env: 'FLAGSHIP_TESTING',
    flag: 'testing',
    type: 'bool',
    default: 'false',
    only: 'testing',
    help: 'serve the test-only tools under /testing (seed, reset, clock); on sqlite::memory: only, unless --testing-allow-persistent',
  },
  {
    key: 'testingAllowPersistent',
    env: 'FLAGSHIP_TESTING_ALLOW_PERSISTENT',
    flag: 'testing-allow-persistent',
    type: 'bool',
    default: 'false',
    only: 'testing',
    help: 'let --testing run on a database that outlives the process (a file), all of whose rows /testing/reset deletes',
  },
  {
    key: 'seed',
    env: 'FLAGSHIP_SEED',
    flag: 'seed',
    type: 'string',
    only: 'testing',
    help: 'with --testing: a JSON seed file (an organization with members, tokens, projects, tasks) applied before ready; the ready file gets its tokens',
  },
] satisfies OptionSpec[]);

export interface TestingSettings {
  /** Serve the tools under /testing (the module is loaded only then). */
  readonly testing: boolean;
  readonly testingAllowPersistent: boolean;
  /** A seed file applied before ready. */
  readonly seed: string | undefined;
}

/** The options given, as the refusals name them. */
export function askedFor(settings: TestingSettings): string[] {
  return [
    ...(settings.testing ? ['--testing'] : []),
    ...(settings.testingAllowPersistent ? ['--testing-allow-persistent'] : []),
    ...(settings.seed !== undefined ? ['--seed'] : []),
  ];
}

export function testingSettings(values: OptionValues, ctx: SettingsContext): TestingSettings {
  const settings: TestingSettings = Object.freeze({
    testing: values.bool('testing'),
    testingAllowPersistent: values.bool('testingAllowPersistent'),
    seed: values.string('seed'),
  });
  const asked = askedFor(settings);
  if (asked.length === 0) return settings;
  if (!settings.testing) {
    ctx.problem(`${asked.join(', ')} needs --testing (FLAGSHIP_TESTING=true) as well`);
    return settings;
  }
  const { database } = ctx;
  const persistent = database?.dialect === 'postgres' || (database?.dialect === 'sqlite' && database.file !== ':memory:');
  if (persistent && !settings.testingAllowPersistent) {
    const shown = database.dialect === 'sqlite' ? `the file ${database.file}` : 'a PostgreSQL database';
    ctx.problem(
      `--testing serves /testing/reset, which deletes every row, and the database is ${shown}; use --database-url sqlite::memory: ` +
        '(a throwaway database), or add --testing-allow-persistent if that database is meant to be wiped',
    );
  }
  return settings;
}

export const testingOptions: ModuleOptions<TestingSettings> = Object.freeze({
  module: 'testing',
  options: TESTING_OPTIONS,
  settings: testingSettings,
});
