// The black-box API suite's view of a server: the app built from the sources in this process on each dialect, or the
// prod bundle as a process behind PgBouncer, and a small client that speaks to either as any user would.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { DIALECTS, type DialectName } from './dialects.js';
import { PGBOUNCER_MISSING, pgBouncerBinary, startPgBouncer } from './pgbouncer.js';
import { startServer, type RunningServer, type StartOptions } from './server-process.js';
import { waitFor } from './wait.js';
import type { FastifyInstance, InjectOptions } from 'fastify';

export interface ApiTarget {
  readonly name: string;
  readonly dialect: DialectName;
  /**
   * How the server runs: built from the sources in this process and reached through app.inject (the everyday tier),
   * or the prod bundle as a process reaching PostgreSQL through a PgBouncer in transaction pooling mode that the
   * target starts (the system tier).
   */
  readonly via: 'in-process' | 'pgbouncer';
}

/**
 * `FLAGSHIP_API_TARGETS=pgbouncer` (set by the system tier's project in vitest.config.ts) runs the API contract on the
 * prod bundle through PgBouncer; otherwise it runs in-process on every dialect under test.
 */
const SYSTEM = process.env.FLAGSHIP_API_TARGETS === 'pgbouncer';
const pgbouncer = SYSTEM ? pgBouncerBinary() : undefined;
if (SYSTEM && !pgbouncer) console.warn(`[api] ${PGBOUNCER_MISSING}`);

/**
 * The targets `describe.each(API_TARGETS)` runs a suite on: SQLite in memory with no modules (as dist/dev) and a fresh
 * PostgreSQL database with every module (as dist/prod), in-process; or, in the system tier, the prod bundle through
 * PgBouncer where it is installed.
 */
export const API_TARGETS: ApiTarget[] = SYSTEM
  ? pgbouncer && DIALECTS.includes('postgres')
    ? [{ dialect: 'postgres', via: 'pgbouncer', name: 'dist/prod through PgBouncer (transaction pooling)' }]
    : []
  : DIALECTS.map((dialect) => ({
      dialect,
      via: 'in-process',
      name: dialect === 'sqlite' ? 'the sources on SQLite in memory (as dist/dev)' : 'the sources on PostgreSQL with every module (as dist/prod)',
    }));

/** A server under test, whichever way it runs. */
export interface ApiServer {
  /** A client with no credentials, speaking to this server. */
  readonly client: Client;
  /** Every line the server logged so far. */
  readonly output: string[];
  /** The server's base URL on a real socket (an in-process app starts listening on a free port of 127.0.0.1). */
  listen(): Promise<string>;
  /** Stops the server (SIGTERM for a process) and releases its database. */
  stop(): Promise<void>;
  /** "Now" as the server sees it. */
  now(): Date;
  /**
   * Lets `ms` pass for the server's expiry decisions: an in-process server's movable clock moves at once; a process's
   * clock is the machine's, so this waits until that much real time has passed.
   */
  passTime(ms: number): Promise<void>;
}

/** A fresh PostgreSQL database of the harness's primary, private to the caller. */
export async function freshPostgres(prefix: string): Promise<string> {
  const { createDatabase } = await import('./postgres/index.js');
  return createDatabase(inject('pg'), `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
}

export type BundleName = 'dev' | 'dev-enterprise' | 'prod';

export interface StartedBundle extends RunningServer {
  /** The DATABASE_URL the server was given. */
  readonly databaseUrl: string;
}

/**
 * The one "fresh database plus server" starter for process-level tests: a built bundle (dist/dev and dist/dev-enterprise
 * on a SQLite file in a folder of its own, dist/prod on a fresh PostgreSQL database) as a process, ready.
 * `env.DATABASE_URL` gives a database of the caller's instead.
 */
export async function startBundle(bundle: BundleName, env: Record<string, string> = {}, options: Omit<StartOptions, 'env'> = {}): Promise<StartedBundle> {
  const databaseUrl =
    env.DATABASE_URL ??
    (bundle === 'prod' ? await freshPostgres('srv') : `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'flagship-srv-')), 'flagship.db')}`);
  const server = await startServer(inject('bundles')[bundle]!, { ...options, env: { ...env, DATABASE_URL: databaseUrl } });
  try {
    await server.ready();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { ...server, databaseUrl };
}

/** Starts the target's server on a fresh database of its own and waits until it is ready. */
export async function startTarget(target: ApiTarget, env: Record<string, string> = {}): Promise<ApiServer> {
  if (target.via === 'in-process') {
    const { buildTestApp, MovableClock } = await import('./app.js');
    const clock = new MovableClock();
    const built =
      target.dialect === 'sqlite'
        ? await buildTestApp(env, { modules: 'none', clock })
        : await buildTestApp({ DATABASE_URL: await freshPostgres('api'), ...env }, { modules: 'all', clock });
    return {
      client: new Client(injectTransport(built.app)),
      output: built.output,
      listen: () => built.listen(),
      stop: () => built.close(),
      now: () => clock.now(),
      passTime: async (ms) => clock.advance(ms),
    };
  }
  const url = await freshPostgres('api');
  const bouncer = await startPgBouncer(url);
  // PgBouncer 1.18 refuses a statement_timeout startup parameter; its own query_timeout bounds queries instead.
  const server = await startServer(inject('bundles').prod!, {
    env: { DATABASE_URL: bouncer.url, DB_STATEMENT_TIMEOUT_MS: '0', DB_PREPARED_STATEMENTS: 'unnamed', ...env },
  }).catch(async (err: unknown) => {
    await bouncer.stop();
    throw err;
  });
  try {
    await server.ready();
  } catch (err) {
    await server.stop();
    await bouncer.stop();
    throw err;
  }
  return {
    client: new Client(server.url),
    output: server.output,
    listen: async () => server.url,
    now: () => new Date(),
    async passTime(ms) {
      const until = Date.now() + ms;
      await waitFor(`${ms} ms to pass`, () => Date.now() > until, ms + 5000, Math.min(ms, 50));
    },
    async stop() {
      await server.stop();
      await bouncer.stop();
    },
  };
}

/** One HTTP exchange as the client sees it, whatever carries it. */
export interface Exchange {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** How a Client reaches a server: over HTTP with fetch, or into an in-process app with app.inject. */
export type Transport = (exchange: Exchange) => Promise<Answer>;

export function httpTransport(base: string): Transport {
  return async ({ method, path, headers, body, timeoutMs }) => {
    const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const res = await fetch(base + path, { method, headers, body, ...(signal ? { signal } : {}) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
}

export function injectTransport(app: FastifyInstance): Transport {
  return async ({ method, path, headers, body, timeoutMs }) => {
    const answer = app.inject({ method: method as InjectOptions['method'], url: path, headers, ...(body === undefined ? {} : { payload: body }) });
    let timer: NodeJS.Timeout | undefined;
    const res = await (timeoutMs === undefined
      ? answer
      : Promise.race([
          answer,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new RequestTimeoutError(`${method} ${path} got no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]).finally(() => clearTimeout(timer)));
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, String(v));
    }
    return { status: res.statusCode, headers: out, text: res.body };
  };
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  /** What was asked, for checking the answer against the OpenAPI document. */
  request?: { method: string; route: string };
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, with no content type unless `headers` gives one. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Abort the request (and fail the call) after this long. */
  timeoutMs?: number;
}

export class Client {
  readonly transport: Transport;
  /** The server's base URL, when the client speaks HTTP to one. */
  readonly base: string | undefined;

  /** `server` is a base URL (spoken to over HTTP) or a transport. */
  constructor(
    server: string | Transport,
    readonly token?: string,
  ) {
    this.transport = typeof server === 'string' ? httpTransport(server) : server;
    this.base = typeof server === 'string' ? server : undefined;
  }

  as(token: string | undefined): Client {
    return new Client(this.base ?? this.transport, token);
  }

  async call<T = any>(method: string, route: string, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Buffer | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    } else if (options.rawBody !== undefined) {
      payload = options.rawBody;
    }
    const res = await this.transport({
      method,
      path: route,
      headers: { ...headers, ...options.headers },
      ...(payload === undefined ? {} : { body: payload }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    let body: unknown = res.text;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && res.text.length > 0) body = JSON.parse(res.text);
    return { status: res.status, body: body as T, headers: res.headers, request: { method, route } };
  }

  get<T = any>(route: string, options?: CallOptions) {
    return this.call<T>('GET', route, options);
  }
  post<T = any>(route: string, body?: unknown, options?: CallOptions) {
    return this.call<T>('POST', route, { ...options, body });
  }
  patch<T = any>(route: string, body?: unknown, options?: CallOptions) {
    return this.call<T>('PATCH', route, { ...options, body });
  }
  delete<T = any>(route: string, options?: CallOptions) {
    return this.call<T>('DELETE', route, options);
  }
}

let orgCounter = 0;

/** A new organization; returns its owner's client and the signup answer. */
export async function newOrg(api: Client, label = 'org'): Promise<{ owner: Client; org: any; user: any }> {
  const slug = `${label}-${process.pid}-${++orgCounter}-${randomUUID().slice(0, 6)}`.toLowerCase();
  const res = await api.post('/v1/signup', { org: { name: `Org ${slug}`, slug }, user: { email: `owner@${slug}.example`, name: 'Owner' } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { owner: api.as(res.body.token), org: res.body.org, user: res.body.user };
}

/** Adds a member with `role` through `admin`; returns their client and record. */
export async function newMember(admin: Client, role: 'admin' | 'member' | 'viewer'): Promise<{ client: Client; member: any }> {
  const res = await admin.post('/v1/members', { email: `${role}-${randomUUID().slice(0, 8)}@example.com`, name: `A ${role}`, role });
  if (res.status !== 201) throw new Error(`adding a ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { client: admin.as(res.body.token), member: res.body.member };
}

/** Asserts the error envelope: a code, a message, and never a stack trace. */
export function errorOf(reply: Reply): { code: string; message: string; details?: unknown } {
  const e = (reply.body as { error?: { code: string; message: string } }).error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') throw new Error(`not an error body: ${reply.status} ${JSON.stringify(reply.body)}`);
  if (/\n\s+at /.test(JSON.stringify(reply.body))) throw new Error(`error body carries a stack trace: ${JSON.stringify(reply.body)}`);
  return e;
}
