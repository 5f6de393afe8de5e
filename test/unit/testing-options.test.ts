// The guard around the test-only tools in the configuration (the testing module's own options and checks), and yes/no options given bare on the command line.
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { loadConfiguration } from '../../src/config/config.js';
import { TESTING_OPTIONS, testingOptions } from '../../src/testing/options.js';

/** The testing module's settings as the loader hands them over, or the ConfigError listing every problem. */
const loadConfig = (env: Record<string, string>, cli: Record<string, string> = {}) =>
  loadConfiguration(env, cli, [testingOptions]).settings.of(testingOptions)!;
import { ConfigError } from '../../src/errors.js';

describe('yes/no options on the command line', () => {
  it.each([
    [['--testing'], 'true'],
    [['--testing', 'false'], 'false'],
    [['--testing=no'], 'no'],
    [['--testing', '--port', '0'], 'true'],
    [['--testing', 'serve'], 'true'],
  ])('%j gives --testing %s', (argv, value) => {
    expect(parseCli(argv, TESTING_OPTIONS).options.testing).toBe(value);
  });

  it('keeps a bare switch from swallowing the command', () => {
    expect(parseCli(['--testing', 'migrate'], TESTING_OPTIONS).command).toBe('migrate');
  });
});

describe('the testing guard', () => {
  const memory = { DATABASE_URL: 'sqlite::memory:' };

  it('is off by default, and on with --testing on an in-memory database', () => {
    expect(loadConfig(memory).testing).toBe(false);
    expect(loadConfig(memory, { testing: 'true' })).toMatchObject({ testing: true, testingAllowPersistent: false, seed: undefined });
  });

  it('refuses --testing on a database file unless asked, naming both ways out', () => {
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:./data/app.db' }, { testing: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:./data/app.db' }, { testing: 'true' })).toThrow(
      /--testing serves \/testing\/reset, which deletes every row, and the database is the file \.\/data\/app\.db; use --database-url sqlite::memory: .*or add --testing-allow-persistent/,
    );
    // The default database is a file too.
    expect(() => loadConfig({}, { testing: 'true' })).toThrow(/the file \.\/data\/flagship\.db/);
    expect(loadConfig({ DATABASE_URL: 'sqlite:./data/app.db', FLAGSHIP_TESTING_ALLOW_PERSISTENT: 'true' }, { testing: 'true' }).testing).toBe(true);
  });

  it('refuses PostgreSQL under --testing unless asked', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:p@db/app', FLAGSHIP_TESTING: 'true' })).toThrow(/the database is a PostgreSQL database/);
  });

  it('refuses the other testing options without --testing', () => {
    expect(() => loadConfig(memory, { seed: 'seed.json' })).toThrow(/--seed needs --testing/);
    expect(() => loadConfig(memory, { 'testing-allow-persistent': 'true' })).toThrow(/--testing-allow-persistent needs --testing/);
  });
});
