// Start-up under bad configuration, as an operator meets it: every bad value and bad variant file is a clear message
// and a non-zero exit before the server listens; a database that can never work (not a database, a directory, a host
// that does not resolve) stops it at once; one that is merely not up yet is retried for DB_START_RETRY_MS; SIGTERM
// during start-up exits at once instead of waiting out a connection attempt or a back-off.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { FlagsError, loadVariant } from '../../build.mjs';
import { DIALECTS } from '../support/dialects.js';
import { runBundle, startServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

const dev = () => inject('bundles').dev!;
const prod = () => inject('bundles').prod!;
const scratch = () => mkdtempSync(path.join(tmpdir(), 'flagship-startup-'));

describe('bad configuration values: a message naming the setting, exit 2, never a listening server', () => {
  it.each([
    ['PORT', '70000', /PORT="70000" is out of range; use a number from 0 to 65535/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL="loud" is not one of fatal, error/],
    ['BODY_LIMIT_BYTES', '1MB', /BODY_LIMIT_BYTES="1MB" is not a whole number/],
    ['MIGRATE_ON_START', 'maybe', /MIGRATE_ON_START="maybe" is not a boolean/],
    ['METRICS_ALLOW', '300.1.1.1', /METRICS_ALLOW.*"300\.1\.1\.1" is not an IP address or CIDR range/],
    ['METRICS_ALLOW', '10.0.0.0/33', /"10\.0\.0\.0\/33" is not an IP address or CIDR range/],
    ['SIGNUP_RATE_LIMIT', '-1', /SIGNUP_RATE_LIMIT="-1" is not a whole number/],
    ['AUTH_FAILURE_RATE_LIMIT', 'lots', /AUTH_FAILURE_RATE_LIMIT="lots" is not a whole number/],
    ['RATE_LIMIT_WINDOW_S', '0', /RATE_LIMIT_WINDOW_S="0" is out of range/],
    ['TOKEN_LIFETIME_DAYS', '90d', /TOKEN_LIFETIME_DAYS="90d" is not a whole number/],
    ['DB_START_RETRY_MS', 'soon', /DB_START_RETRY_MS="soon" is not a whole number/],
    ['DATABASE_URL', 'mysql://db/x', /unsupported scheme "mysql:"/],
    ['DATABASE_URL', 'postgres://u:pw@db/x', /the "dev" build carries only sqlite/],
  ])('%s=%s', async (name, value, message) => {
    const { code, stdout, stderr } = await runBundle(dev(), [], { cwd: scratch(), env: { [name]: value } });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('flagship listening');
  });

  it('lists every problem at once', async () => {
    const { code, stderr } = await runBundle(dev(), [], { cwd: scratch(), env: { PORT: 'x', METRICS_ALLOW: 'nope', TOKEN_LIFETIME_DAYS: '-3' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/3 configuration problems:\n {2}- PORT.*\n {2}- METRICS_ALLOW.*\n {2}- TOKEN_LIFETIME_DAYS/);
  });
});

describe('options of a module the build does not carry', () => {
  it.each([
    ['--audit-key-file', 'k.pem', /--audit-key-file belongs to the enterprise module, which the "dev" build does not carry; .*node build\.mjs dev-enterprise/],
    [
      '--database-replicas',
      'postgres://r/db',
      /--database-replicas belongs to the scaling module, which the "dev" build does not carry; .*node build\.mjs prod/,
    ],
  ])('the flag %s is refused naming the module and the build that has it, exit 2', async (flag, value, message) => {
    const { code, stdout, stderr } = await runBundle(dev(), [flag, value], { cwd: scratch() });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('flagship listening');
  });

  it('its variable is ignored with a warning saying so (shared environment files stay usable)', async () => {
    const { code, stdout } = await runBundle(dev(), ['migrate'], { cwd: scratch(), env: { AUDIT_KEY_FILE: 'k.pem', LOG_LEVEL: 'info' } });
    expect(code).toBe(0);
    const warning = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string | number; msg: string })
      .find((l) => l.msg.startsWith('AUDIT_KEY_FILE is set'));
    expect(warning?.msg).toMatch(/belongs to the enterprise module, which the "dev" build does not carry: it is ignored/);
  });
});

describe('bad variant files: refused with the file, the key and the fix', () => {
  it.each([
    ['constructor', `{"dialects": ["sqlite"], "scaling": false, "enterprise": false, "constructor": true}`],
    ['__proto__', `{"dialects": ["sqlite"], "scaling": false, "enterprise": false, "__proto__": {"scaling": true}}`],
    ['toString', `{"dialects": ["sqlite"], "scaling": false, "enterprise": false, "toString": 1}`],
    ['hasOwnProperty', `{"dialects": ["sqlite"], "scaling": false, "enterprise": false, "hasOwnProperty": 1}`],
  ])('a `%s` key', async (key, text) => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'odd.json'), text);
    const loading = loadVariant(dir, 'odd');
    await expect(loading).rejects.toThrow(FlagsError);
    await expect(loadVariant(dir, 'odd')).rejects.toThrow(new RegExp(`odd\\.json: unknown key \`${key}\`; the keys are .*Remove or rename it`));
  });

  it('a key missing but present on Object.prototype is still missing', async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'half.json'), '{"__proto__": {"dialects": ["sqlite"], "scaling": false, "enterprise": false}}');
    await expect(loadVariant(dir, 'half')).rejects.toThrow(FlagsError);
  });
});

describe('a SQLite database that can never work: exit 2 at once with what to do', () => {
  it('a directory', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, 'db.sqlite'));
    const { code, stderr } = await runBundle(dev(), [], { cwd: dir, env: { DATABASE_URL: 'sqlite:./db.sqlite' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/the SQLite database \.\/db\.sqlite is a directory; set DATABASE_URL to a file inside it/);
  });

  it('a file that is not a database', async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'notes.txt'), 'these are my notes, not a database\n'.repeat(200));
    const { code, stderr } = await runBundle(dev(), [], { cwd: dir, env: { DATABASE_URL: 'sqlite:./notes.txt' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/\.\/notes\.txt is not a SQLite database .*set DATABASE_URL to the right file/);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('a PostgreSQL server that can never be reached, or not yet', () => {
  it('a host that does not resolve: exit 2 at once', async () => {
    const { code, stderr } = await runBundle(prod(), [], {
      env: { DATABASE_URL: 'postgres://flagship:secret@no-such-host.invalid:5432/flagship', DB_START_RETRY_MS: '0' },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/the PostgreSQL host does not resolve .*no-such-host\.invalid.*check the host name in DATABASE_URL/);
  });

  it('a server that is not up: retried until DB_START_RETRY_MS, then exit 1 saying so', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    closed.close();
    const { code, stdout, stderr } = await runBundle(prod(), [], {
      env: { PORT: '0', DATABASE_URL: `postgres://flagship@127.0.0.1:${port}/flagship`, DB_START_RETRY_MS: '1500' },
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/unavailable \(attempt 2\)/);
    expect(stderr).toMatch(/still unavailable after \d+ attempts in 1500 ms \(DB_START_RETRY_MS\)/);
  });

  it('SIGTERM while a connection attempt hangs: exits 0 at once, not after DB_CONNECT_TIMEOUT_MS', async () => {
    // A listener that accepts and never answers: a connection attempt waits for the full connect timeout.
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as { port: number }).port;
    try {
      const server = await startServer(prod(), {
        env: { DATABASE_URL: `postgres://flagship@127.0.0.1:${port}/flagship`, DB_CONNECT_TIMEOUT_MS: '600000', DB_START_RETRY_MS: '0' },
      });
      await waitFor('the server trying to connect', () => sockets.length > 0, 20_000);
      const readyz = await fetch(`${server.url}/readyz`);
      expect(readyz.status).toBe(503);
      const exited = server.stop('SIGTERM');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 20 s after SIGTERM'), 20_000))]);
      if (code === 'still running 20 s after SIGTERM') server.proc.kill('SIGKILL');
      expect(code).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
