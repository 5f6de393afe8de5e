// A real PgBouncer in transaction pooling mode in front of a PostgreSQL server, for the API suite's PgBouncer target.
// Started from the system's `pgbouncer` (Debian package `pgbouncer`); as `nobody` when the tests run as root, like
// the PostgreSQL servers. Without the program, pgBouncerBinary() is undefined and callers say they skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveRunAs } from './postgres/run-as.js';
import { sleep, waitForConnect } from './postgres/sql.js';

/** The pgbouncer program on PATH (or in /usr/sbin, where Debian puts it), if installed. */
export function pgBouncerBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(path.join(dir, 'pgbouncer'))) return path.join(dir, 'pgbouncer');
  }
  return undefined;
}

export const PGBOUNCER_MISSING =
  'PgBouncer is not installed (apt-get install pgbouncer): the API suite through PgBouncer in transaction pooling mode is skipped';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPgBouncer {
  /** `upstreamUrl` with host and port replaced by PgBouncer's. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database and user (default 20); few make clients take turns on them. */
  readonly poolSize?: number;
  /** Startup parameters PgBouncer accepts and drops rather than refusing the client (pg sends statement_timeout). */
  readonly ignoreStartupParameters?: readonly string[];
}

/** Starts PgBouncer (transaction pooling) in front of the server of `upstreamUrl`; resolves once it answers. */
export async function startPgBouncer(upstreamUrl: string, options: PgBouncerOptions = {}): Promise<RunningPgBouncer> {
  const bin = pgBouncerBinary();
  if (!bin) throw new Error(PGBOUNCER_MISSING);
  const upstream = new URL(upstreamUrl);
  const runAs = await resolveRunAs();
  const dir = await mkdtemp(path.join(tmpdir(), 'flagship-pgbouncer-'));
  await chmod(dir, 0o777);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const ini = path.join(dir, `pgbouncer-${port}.ini`);
    // auth_type=any: every client logs in as the user the [databases] line names, so no auth file is needed.
    await writeFile(
      ini,
      `[databases]
* = host=${upstream.hostname} port=${upstream.port || 5432} user=${decodeURIComponent(upstream.username) || 'postgres'}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 2000
default_pool_size = ${options.poolSize ?? 20}
query_timeout = 60
${options.ignoreStartupParameters ? `ignore_startup_parameters = ${options.ignoreStartupParameters.join(',')}` : ''}
logfile = ${path.join(dir, `pgbouncer-${port}.log`)}
pidfile = ${path.join(dir, `pgbouncer-${port}.pid`)}
`,
    );
    await chmod(ini, 0o644);
    const child: ChildProcess = spawn(bin, [ini], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = new URL(upstreamUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    try {
      await Promise.race([
        waitForConnect(url.toString(), { what: 'PgBouncer', timeoutMs: 10_000 }),
        exited.then(() => {
          throw new Error(`pgbouncer exited at start: ${stderr.trim()}`);
        }),
      ]);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt < 3 && /bind|in use/i.test(String(err))) continue;
      throw err;
    }
    return {
      url: url.toString(),
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
      },
    };
  }
}
