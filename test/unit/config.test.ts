import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { redactUrl } from '../../src/config/database-url.js';
import { ConfigError } from '../../src/errors.js';

describe('configuration', () => {
  it('needs nothing: defaults serve SQLite under ./data', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info', migrateOnStart: true, shutdownTimeoutMs: 10_000 });
    expect(c.database).toEqual({ dialect: 'sqlite', file: './data/flagship.db' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the environment, and CLI options win over it', () => {
    const c = loadConfig({ PORT: '8080', LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://u:p@db:5432/app' }, { port: '9090' });
    expect(c.port).toBe(9090);
    expect(c.logLevel).toBe('debug');
    expect(c.database).toEqual({ dialect: 'postgres', url: 'postgres://u:p@db:5432/app' });
  });

  it.each([
    [{ DATABASE_URL: 'sqlite:./x.db' }, { dialect: 'sqlite', file: './x.db' }],
    [{ DATABASE_URL: 'sqlite::memory:' }, { dialect: 'sqlite', file: ':memory:' }],
    [{ DATABASE_URL: 'file:/var/lib/f.db' }, { dialect: 'sqlite', file: '/var/lib/f.db' }],
    [{ DATABASE_URL: './local.sqlite' }, { dialect: 'sqlite', file: './local.sqlite' }],
    [{ DATABASE_URL: 'postgresql://h/db' }, { dialect: 'postgres', url: 'postgresql://h/db' }],
  ])('parses DATABASE_URL %j', (env, database) => {
    expect(loadConfig(env).database).toEqual(database);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT="eighty" is not a whole number; use a number from 0 to 65535/],
    [{ PORT: '70000' }, /PORT="70000" is out of range; use a number from 0 to 65535/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is not one of fatal, error, warn, info, debug, trace, silent/],
    [{ MIGRATE_ON_START: 'maybe' }, /MIGRATE_ON_START="maybe" is not a boolean; use true or false/],
    [{ SHUTDOWN_TIMEOUT_MS: '5' }, /SHUTDOWN_TIMEOUT_MS="5" is out of range; use a number from 100 to 600000/],
    [{ DB_POOL_MAX: '0' }, /DB_POOL_MAX="0" is out of range/],
    [{ DATABASE_URL: 'mysql://h/db' }, /unsupported scheme "mysql:"; flagship speaks postgres:\/\/\.\.\. \(PostgreSQL\) and sqlite:PATH/],
    [{ DATABASE_URL: 'postgres://u:hunter2@' }, /is not a valid PostgreSQL URL; use postgres:\/\/user:password@host:5432\/database/],
    [{ DATABASE_URL: 'sqlite:' }, /names no file; use sqlite:\.\/data\/flagship\.db/],
  ])('refuses %j with a message that says what to do', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reports every problem at once and never prints a password', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y', DATABASE_URL: 'postgres://u:hunter2@' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^3 configuration problems:/);
    expect(message).not.toContain('hunter2');
  });

  it('redacts passwords in URLs', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
    expect(redactUrl('postgres://app@db/x')).toBe('postgres://app@db/x');
  });
});

describe('DB_QUERY_TIMEOUT_MS', () => {
  const pg = { DATABASE_URL: 'postgres://u@db/app' };
  it.each<[Record<string, string>, number]>([
    // Follows the statement timeout by a margin, so a frozen server answers 503 shortly after the server would have.
    [{ DB_STATEMENT_TIMEOUT_MS: '5000' }, 6000],
    [{}, 31_000],
    // No statement timeout (behind PgBouncer): still bounded.
    [{ DB_STATEMENT_TIMEOUT_MS: '0' }, 35_000],
    // Set, it is what it says.
    [{ DB_STATEMENT_TIMEOUT_MS: '5000', DB_QUERY_TIMEOUT_MS: '9000' }, 9000],
    [{ DB_QUERY_TIMEOUT_MS: '0' }, 0],
  ])('%j gives %d ms', (env, expected) => {
    expect(loadConfig({ ...pg, ...env }).queryTimeoutMs).toBe(expected);
  });
});

describe('address lists (METRICS_ALLOW, TRUST_PROXY)', () => {
  // IPv6 entries are parsed as the matcher's BlockList parses them, not with isIP (src/config/addresses.ts): the same
  // answers as isIP, including the zone, which isIP takes only with at least one character after the '%'.
  it.each(['::1', '::', 'fe80::1%eth0', '::ffff:10.0.0.1', '2001:db8::/32', '1:2:3:4:5:6:7:8', '127.0.0.1', '10.0.0.0/8'])(
    'takes METRICS_ALLOW=%s',
    (entry) => {
      expect(loadConfig({ METRICS_ALLOW: entry }).metricsAllow).toEqual([entry]);
    },
  );
  it.each(['fe80::1%', '::%', 'fe80::1%e th0', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', 'g::1', '[::1]', '::1/129', '01.2.3.4', '::1/'])(
    'refuses METRICS_ALLOW=%s, naming the entry',
    (entry) => {
      expect(() => loadConfig({ METRICS_ALLOW: entry })).toThrow(ConfigError);
      expect(() => loadConfig({ METRICS_ALLOW: entry })).toThrow(`"${entry}" is not an IP address or CIDR range`);
    },
  );
});
