// The black-box API suite's view of a server: a built bundle running as a process (dist/dev on SQLite, dist/prod on
// PostgreSQL), and a small HTTP client that speaks to it as any user would.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { DIALECTS, type DialectName } from './dialects.js';
import { PGBOUNCER_MISSING, pgBouncerBinary, startPgBouncer } from './pgbouncer.js';
import { startServer, type RunningServer } from './server-process.js';

export interface ApiTarget {
  readonly name: string;
  readonly dialect: DialectName;
  /** Reach PostgreSQL through a PgBouncer in transaction pooling mode that the target starts. */
  readonly via?: 'pgbouncer';
}

const pgbouncer = DIALECTS.includes('postgres') ? pgBouncerBinary() : undefined;
if (DIALECTS.includes('postgres') && !pgbouncer) console.warn(`[api] ${PGBOUNCER_MISSING}`);

/**
 * One target per dialect under test, plus the prod bundle through PgBouncer where it is installed;
 * `describe.each(API_TARGETS)` runs a suite on each.
 */
export const API_TARGETS: ApiTarget[] = [
  ...DIALECTS.map((dialect): ApiTarget => ({ dialect, name: dialect === 'sqlite' ? 'dist/dev on SQLite' : 'dist/prod on PostgreSQL' })),
  ...(pgbouncer ? [{ dialect: 'postgres', via: 'pgbouncer', name: 'dist/prod through PgBouncer (transaction pooling)' } as const] : []),
];

/** Starts the target's bundle on a fresh database of its own and waits until it is ready. */
export async function startTarget(target: ApiTarget, env: Record<string, string> = {}): Promise<RunningServer> {
  const bundles = inject('bundles');
  let server: RunningServer;
  if (target.dialect === 'sqlite') {
    const cwd = mkdtempSync(path.join(tmpdir(), 'flagship-api-'));
    server = await startServer(bundles.dev!, { cwd, env: { ...env } });
  } else {
    const { createDatabase } = await import('./postgres/index.js');
    const url = await createDatabase(inject('pg'), `api_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
    if (target.via === 'pgbouncer') {
      const bouncer = await startPgBouncer(url);
      // PgBouncer 1.18 refuses a statement_timeout startup parameter; its own query_timeout bounds queries instead.
      const proxied = await startServer(bundles.prod!, { env: { DATABASE_URL: bouncer.url, DB_STATEMENT_TIMEOUT_MS: '0', ...env } }).catch(
        async (err: unknown) => {
          await bouncer.stop();
          throw err;
        },
      );
      server = {
        ...proxied,
        async stop(signal) {
          const code = await proxied.stop(signal);
          await bouncer.stop();
          return code;
        },
      };
    } else {
      server = await startServer(bundles.prod!, { env: { DATABASE_URL: url, ...env } });
    }
  }
  await server.ready();
  return server;
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
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}

  as(token: string | undefined): Client {
    return new Client(this.base, token);
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
    const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    const res = await fetch(this.base + route, { method, headers: { ...headers, ...options.headers }, body: payload, ...(signal ? { signal } : {}) });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && text.length > 0) body = JSON.parse(text);
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
