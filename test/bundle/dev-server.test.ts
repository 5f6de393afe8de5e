// The dev bundle as a user runs it: no configuration, SQLite under ./data, health, logs, errors, bad config.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readlinkSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBundle, startServer, type RunningServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';

describe('dev bundle with no configuration', () => {
  let server: RunningServer;
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'flagship-dev-'));
    server = await startServer(inject('bundles').dev!, { cwd });
    await server.ready();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves /healthz naming the variant, its flags and the dialect', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { uptimeSeconds: unknown };
    expect(body).toMatchObject({
      status: 'ok',
      variant: 'dev',
      dialect: 'sqlite',
      state: 'ready',
      flags: { dialects: ['sqlite'], scaling: false, enterprise: false },
      features: [],
    });
    expect(typeof body.uptimeSeconds).toBe('number');
    expect(existsSync(path.join(cwd, 'data', 'flagship.db'))).toBe(true);
  });

  it('is ready once the database answers', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', dialect: 'sqlite', database: { ok: true } });
  });

  it('gives every request an id, echoes a caller-supplied one, and logs JSON lines with it', async () => {
    const mine = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-abc-123');
    const made = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = () => server.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    await waitFor('a log line of the request with its id', () => lines().some((l) => l.reqId === 'trace-abc-123' && l.req?.url === '/healthz'));
    expect(lines().every((l) => typeof l.level === 'string' && typeof l.time === 'string')).toBe(true);
  });

  it('exposes Prometheus metrics: readiness, database, requests by route pattern', async () => {
    await fetch(`${server.url}/healthz`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^flagship_ready\{variant="dev"\} 1$/m);
    expect(text).toMatch(/^flagship_db_up\{variant="dev"\} 1$/m);
    expect(text).toMatch(/^flagship_http_requests_total\{method="GET",route="\/healthz",status="200",variant="dev"\} \d+$/m);
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no route GET /nope') } });
  });
});

describe('client addresses', () => {
  /** The address the request line of a relayed request shows, and whether the server warned of an unnamed proxy. */
  async function loggedAddress(env: Record<string, string>): Promise<{ address: string | undefined; warned: boolean }> {
    const cwd = await mkdtemp(path.join(tmpdir(), 'flagship-proxy-'));
    const server = await startServer(inject('bundles').dev!, { cwd, env });
    try {
      await server.ready();
      await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'proxied-1', 'x-forwarded-for': '203.0.113.7' } });
      const line = await waitFor('the request line', () => server.output.find((l) => l.includes('"reqId":"proxied-1"') && l.includes('"req":')));
      return {
        address: JSON.parse(line).req.remoteAddress,
        warned: server.output.some((l) => l.includes('carries a forwarding header, but TRUST_PROXY lists no proxy at that address')),
      };
    } finally {
      await server.stop();
    }
  }

  it('ignores X-Forwarded-For by default, takes it from a trusted proxy (TRUST_PROXY), and refuses to trust everyone', async () => {
    // The test is the proxy, on loopback; unnamed, it is warned of, as its relayed requests are not the operator's.
    expect(await loggedAddress({})).toEqual({ address: '127.0.0.1', warned: true });
    expect(await loggedAddress({ TRUST_PROXY: 'loopback' })).toEqual({ address: '203.0.113.7', warned: false });
    expect(await loggedAddress({ TRUST_PROXY: '10.0.0.0/8' })).toEqual({ address: '127.0.0.1', warned: true });
    const refused = await runBundle(inject('bundles').dev!, [], { env: { TRUST_PROXY: 'true' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/TRUST_PROXY="true" would trust X-Forwarded-For from anyone/);
  });
});

describe('dev bundle refusals', () => {
  const dev = () => inject('bundles').dev!;

  it('refuses a Postgres URL, naming the variant and the build that accepts it', async () => {
    const { code, stderr } = await runBundle(dev(), [], { env: { DATABASE_URL: 'postgres://app:s3cret@db.example:5432/flagship' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /DATABASE_URL is a PostgreSQL URL \(postgres:\/\/app:\*\*\*@db\.example:5432\/flagship\), but the "dev" build carries only sqlite; .*node build\.mjs prod/,
    );
    expect(stderr).not.toContain('s3cret');
  });

  it('refuses bad values with every problem listed', async () => {
    const { code, stderr } = await runBundle(dev(), ['--port', '99999'], { env: { LOG_LEVEL: 'chatty' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/2 configuration problems:\n\s+- --port="99999" is out of range[\s\S]*LOG_LEVEL="chatty" is not one of/);
  });

  it('refuses unknown options and commands', async () => {
    expect((await runBundle(dev(), ['--prot', '1'])).stderr).toMatch(/Unknown option '--prot'.*see --help/);
    expect((await runBundle(dev(), ['serve-all'])).stderr).toMatch(/unknown command "serve-all"; commands are serve, migrate/);
  });

  it('prints --help with the options this build carries', async () => {
    const { code, stdout } = await runBundle(dev(), ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: server\.mjs \[command\] \[options\]/);
    expect(stdout).toContain('--database-url');
    expect(stdout).toContain('SQLITE_BUSY_TIMEOUT_MS');
    expect(stdout).not.toContain('DB_POOL_MAX');
    expect(stdout).toContain('/v1/openapi.json');
  });

  it('prints --version with the variant and flags', async () => {
    const { code, stdout } = await runBundle(dev(), ['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/variant: dev\ndialects: sqlite\nscaling: off\nenterprise: off/);
  });
});

describe('an inherited socket (LISTEN_FD)', () => {
  const dev = () => inject('bundles').dev!;

  it.each([
    // Beside it, a Unix socket whose abstract name is a line of /proc/net/unix naming the TCP socket's inode (the kernel
    // writes names as they are, newlines included, and anyone may choose one): nothing is told from that table.
    { host: '127.0.0.1', warned: false },
    { host: '0.0.0.0', warned: true },
  ])('serves on a listening socket bound to $host handed over as a descriptor, and reports its address', async ({ host, warned }) => {
    const socket = net.createServer();
    await new Promise<void>((resolve) => socket.listen({ port: 0, host }, resolve));
    const { port } = socket.address() as net.AddressInfo;
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))![1]!;
    const decoy = net.createServer();
    await new Promise<void>((resolve) => decoy.listen(`\0flagship-test ${inode}\n0000000000000000: 00000002 00000000 00010000 0001 01 ${inode}`, resolve));
    const child = spawn(process.execPath, [dev(), '--listen-fd', '3', '--database-url', 'sqlite::memory:'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe', fd],
    });
    // The child has its own copy; this one never accepts.
    socket.close();
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitFor('the ready line', () => out.includes('"msg":"ready"'));
      expect(out).toContain(`flagship listening on http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ variant: 'dev', state: 'ready' });
      // A wildcard address takes connections on every interface, where HOST's default would not: said.
      const warning = `LISTEN_FD=3: listening on every interface (0.0.0.0, port ${port})`;
      if (warned) expect(out).toContain(warning);
      else expect(out).not.toContain('listening on every interface');
    } finally {
      decoy.close();
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('refuses a Unix socket and a file handed over as the descriptor, saying what each is', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'flagship-listen-fd-'));
    const unix = net.createServer();
    await new Promise<void>((resolve) => unix.listen(path.join(folder, 'sock'), resolve));
    const file = await open(path.join(folder, 'file.txt'), 'w');
    try {
      for (const [fd, said] of [
        [(unix as unknown as { _handle: { fd: number } })._handle.fd, /it is a Unix socket/],
        [file.fd, /it is the file .*file\.txt, not a socket/],
      ] as const) {
        const child = spawn(process.execPath, [dev(), '--listen-fd', '3', '--database-url', 'sqlite::memory:'], {
          env: { PATH: process.env.PATH ?? '' },
          stdio: ['ignore', 'pipe', 'pipe', fd],
        });
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        const [code] = await once(child, 'exit');
        expect(code).toBe(2);
        expect(stderr).toMatch(/LISTEN_FD=3 is no TCP socket: /);
        expect(stderr).toMatch(said);
        expect(stderr).toContain('or unset LISTEN_FD to bind HOST:PORT');
      }
    } finally {
      unix.close();
      await file.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  // A Unix socket made in another network namespace (systemd's PrivateNetwork= with a ListenStream= path) is not in
  // this namespace's /proc/net/unix, so the check before listening cannot tell it; Node listens on it all the same.
  // Made here by a process in a namespace of its own (unshare), which hands it over through Node's IPC.
  const unshared = spawnSync('unshare', ['-rn', 'true']).status === 0;
  if (!unshared) console.warn('test/bundle/dev-server.test.ts: the Unix socket of another network namespace is not tried: `unshare -rn` is not allowed here');
  it.runIf(unshared)('refuses a Unix socket of another network namespace, which it finds once listening, without a crash', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'flagship-listen-fd-'));
    const script = `const s = require('node:net').createServer(); s.listen(${JSON.stringify(path.join(folder, 'sock'))}, () => process.send('server', s));`;
    const maker = spawn('unshare', ['-rn', process.execPath, '-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      const [, handle] = (await once(maker, 'message')) as [string, net.Server];
      const fd = (handle as unknown as { _handle: { fd: number } })._handle.fd;
      const child = spawn(process.execPath, [dev(), '--listen-fd', '3', '--database-url', 'sqlite::memory:'], {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe', fd],
      });
      let output = '';
      for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (c: Buffer) => (output += c.toString()));
      const [code] = await once(child, 'exit');
      handle.close();
      expect(code).toBe(2);
      expect(output).toMatch(/LISTEN_FD=3 is no TCP socket: it is a Unix socket; hand the server a bound TCP socket/);
      expect(output).not.toMatch(/TypeError|at /);
    } finally {
      maker.kill();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses a descriptor this process does not have, and PORT or HOST beside it, saying what to do', async () => {
    const closed = await runBundle(dev(), ['--listen-fd', '250', '--database-url', 'sqlite::memory:'], { env: { PORT: '' } });
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/LISTEN_FD=250 is no TCP socket: this process has no such descriptor; .*or unset LISTEN_FD to bind HOST:PORT/);
    const both = await runBundle(dev(), ['--listen-fd', '3', '--host', '0.0.0.0'], { env: { PORT: '4000' } });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/LISTEN_FD is set, and so is PORT and --host: .*unset PORT and --host, or LISTEN_FD to bind HOST:PORT/);
  });
});

describe('prod bundle refusals', () => {
  it('refuses to start without DATABASE_URL, and refuses a SQLite path', async () => {
    const prod = inject('bundles').prod!;
    const none = await runBundle(prod, []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/DATABASE_URL is not set; the "prod" build serves postgres and needs a URL such as postgres:\/\//);
    const sqlite = await runBundle(prod, [], { env: { DATABASE_URL: 'sqlite:./data/x.db' } });
    expect(sqlite.code).toBe(2);
    expect(sqlite.stderr).toMatch(/DATABASE_URL is a SQLite path \(\.\/data\/x\.db\), but the "prod" build carries only postgres; .*node build\.mjs dev/);
  });
});
