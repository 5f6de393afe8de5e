// The enterprise module as dist/dev-enterprise (SQLite) and dist/prod (PostgreSQL) carry it: built from the sources in
// this process with the same modules (or as the bundles' processes where a test needs them) on a database of their
// own, with a second instance on the same database when a test needs two, the bundle's commands, and direct SQL access
// to that database for what a superuser could do behind the server's back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, inject } from 'vitest';
import { Client, freshPostgres, injectTransport, startBundle } from './api.js';
import { DIALECTS, type DialectName } from './dialects.js';
import { runBundle } from './server-process.js';

export interface EnterpriseTarget {
  readonly name: string;
  readonly dialect: DialectName;
  readonly bundle: 'dev-enterprise' | 'prod';
}

export const ENTERPRISE_TARGETS: EnterpriseTarget[] = DIALECTS.map((dialect) =>
  dialect === 'sqlite'
    ? { name: 'dist/dev-enterprise on SQLite', dialect, bundle: 'dev-enterprise' }
    : { name: 'dist/prod on PostgreSQL', dialect, bundle: 'prod' },
);

/** One server of a deployment, however it runs. */
export interface EnterpriseServer {
  /** A client with no credentials, speaking to this server. */
  readonly client: Client;
  /** Every line the server printed (a process) or logged (in-process) so far. */
  readonly output: string[];
  /** A process's base URL and process id. */
  readonly url?: string;
  readonly pid?: number;
  stop(): Promise<void>;
}

export interface EnterpriseDeployment {
  readonly server: EnterpriseServer;
  /** The DATABASE_URL both instances use. */
  readonly databaseUrl: string;
  readonly bundle: string;
  /** Another server on the same database. */
  another(env?: Record<string, string>): Promise<EnterpriseServer>;
  /** Runs the bundle as a command (`audit verify`...) on the same database. */
  run(args: string[], env?: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Runs SQL on the database directly, as its owner: what a superuser could do behind the server's back. */
  sql(statements: string[]): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export interface DeployOptions {
  /**
   * How the servers run: built from the sources in this process with the modules the bundle carries (the default),
   * or as the bundle's processes, where what a process writes is the subject (checkpoints on stdout).
   */
  readonly as?: 'in-process' | 'process';
}

export async function deployEnterprise(target: EnterpriseTarget, env: Record<string, string> = {}, options: DeployOptions = {}): Promise<EnterpriseDeployment> {
  const bundle = inject('bundles')[target.bundle]!;
  const databaseUrl =
    target.dialect === 'sqlite' ? `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'flagship-enterprise-')), 'flagship.db')}` : await freshPostgres('ent');
  const servers: EnterpriseServer[] = [];
  const start = async (more: Record<string, string> = {}): Promise<EnterpriseServer> => {
    const all = { DATABASE_URL: databaseUrl, ...env, ...more };
    let server: EnterpriseServer;
    if (options.as === 'process') {
      const s = await startBundle(target.bundle, all);
      server = { client: new Client(s.url), output: s.output, url: s.url, pid: s.proc.pid!, stop: async () => void (await s.stop()) };
      servers.push(server);
    } else {
      const { buildTestApp } = await import('./app.js');
      // dist/dev-enterprise carries the enterprise module alone; dist/prod every module.
      const built = await buildTestApp(all, { modules: target.bundle === 'prod' ? 'all' : 'enterprise' });
      server = { client: new Client(injectTransport(built.app)), output: built.output, stop: () => built.close() };
      servers.push(server);
    }
    return server;
  };
  const server = await start();
  return {
    server,
    databaseUrl,
    bundle,
    another: start,
    run: (args, more = {}) => runBundle(bundle, args, { env: { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env, ...more } }),
    async sql(statements) {
      if (target.dialect === 'sqlite') {
        const conn = new BetterSqlite3(databaseUrl.slice('sqlite:'.length), { timeout: 10_000 });
        try {
          let rows: Array<Record<string, unknown>> = [];
          for (const s of statements) {
            const stmt = conn.prepare(s);
            if (stmt.reader) rows = stmt.all() as Array<Record<string, unknown>>;
            else stmt.run();
          }
          return rows;
        } finally {
          conn.close();
        }
      }
      const { withClient } = await import('./postgres/sql.js');
      return withClient(databaseUrl, async (client) => {
        let rows: Array<Record<string, unknown>> = [];
        for (const s of statements) rows = (await client.query(s)).rows as Array<Record<string, unknown>>;
        return rows;
      });
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

/** Statements that switch the audit tables' triggers off (append-only records, forward-only heads), as a superuser (or the file's owner) could. */
export function triggersOff(dialect: DialectName): string[] {
  return dialect === 'postgres'
    ? ['ALTER TABLE audit_records DISABLE TRIGGER USER', 'ALTER TABLE audit_heads DISABLE TRIGGER USER']
    : [
        'DROP TRIGGER audit_records_no_update',
        'DROP TRIGGER audit_records_no_delete',
        'DROP TRIGGER audit_records_no_replace',
        'DROP TRIGGER audit_heads_no_delete',
        'DROP TRIGGER audit_heads_born_empty',
        'DROP TRIGGER audit_heads_forward_only',
      ];
}

/** A deployment for the enclosing suite: made before its tests, stopped after them. Its fields are set from beforeAll on. */
export function deployForSuite(target: EnterpriseTarget): { deployment: EnterpriseDeployment; api: Client } {
  const suite = {} as { deployment: EnterpriseDeployment; api: Client };
  beforeAll(async () => {
    suite.deployment = await deployEnterprise(target);
    suite.api = suite.deployment.server.client;
  });
  afterAll(async () => {
    await suite.deployment?.stop();
  });
  return suite;
}
