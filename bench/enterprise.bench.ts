// What the enterprise module costs, side by side in one run (`npm run bench`; figures in docs/benchmarks.md):
// - creating tasks over HTTP with the module on and off: the same dialect, the bundle and the same flags without the
//   module (on PostgreSQL the prod bundle's flags less enterprise, so scaling is on both sides), in interleaved rounds;
// - an authorization decision from the RBAC cache against the core's built-in role table;
// - exporting an audit trail of 10,000 and of 100,000 records: records per second, and the server's peak RSS, which
//   should not grow with the count (printed after the run).
//
// Setup is at module level: vitest's bench mode does not run beforeAll/afterAll hooks.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { bench, describe } from 'vitest';
import { buildVariant } from '../build.mjs';
import { BuiltInRoleAuthorizer, type Principal } from '../src/domain/authorizer.js';
import { permissionSet } from '../src/domain/permissions.js';
import { ENTERPRISE_PERMISSIONS } from '../src/enterprise/permissions.js';
import { RbacAuthorizer } from '../src/enterprise/rbac/authorizer.js';
import { listenFreshness } from '../src/enterprise/rbac/postgres/listen-freshness.js';
import { dataVersionFreshness } from '../src/enterprise/rbac/sqlite/data-version-freshness.js';
import type { RbacStore } from '../src/enterprise/rbac/store.js';
import { enterpriseSchema } from '../src/enterprise/tables.js';
import { createLogger } from '../src/server/logger.js';
import { Client, newOrg } from '../test/support/api.js';
import { DIALECTS, openFresh } from '../test/support/dialects.js';
import { deployEnterprise } from '../test/support/enterprise.js';
import { interleaved } from './interleaved.js';
import { startServer, type RunningServer } from '../test/support/server-process.js';

// BENCH_QUICK (npm run bench -- --quick): fewer iterations, to check the wiring.
const scale = process.env.BENCH_QUICK ? 0.1 : 1;
const CONCURRENT = 8;
const httpOptions = { iterations: 150 * scale, warmupIterations: 15 * scale, time: 0 };

/**
 * The bundle of `dialect` less the enterprise module: dev on SQLite (dev-enterprise is dev with it); on PostgreSQL the
 * prod flags without it, built for this run, so the two sides differ by the module alone (scaling on both).
 */
async function withoutModule(dialect: 'sqlite' | 'postgres'): Promise<string> {
  if (dialect === 'sqlite') return inject('bundles').dev!;
  const outDir = mkdtempSync(path.join(tmpdir(), 'flagship-bench-core-'));
  await buildVariant(
    { name: 'prod-less-enterprise', file: 'prod less enterprise (bench)', flags: { dialects: ['postgres'], scaling: true, enterprise: false } },
    { outDir, logLevel: 'silent' },
  );
  return path.join(outDir, 'server.mjs');
}

async function databaseUrl(dialect: 'sqlite' | 'postgres'): Promise<string> {
  if (dialect === 'sqlite') return `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'flagship-bench-')), 'b.db')}`;
  const { createDatabase } = await import('../test/support/postgres/index.js');
  return createDatabase(inject('pg'), `bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
}

async function projectOf(server: RunningServer): Promise<{ owner: Client; project: string }> {
  const { owner } = await newOrg(new Client(server.url), 'bench');
  const project = (await owner.post('/v1/projects', { name: 'Bench', key: 'BENCH' })).body.id as string;
  return { owner, project };
}

for (const dialect of DIALECTS) {
  const on = await startServer(dialect === 'sqlite' ? inject('bundles')['dev-enterprise']! : inject('bundles').prod!, {
    env: { DATABASE_URL: await databaseUrl(dialect) },
  });
  const off = await startServer(await withoutModule(dialect), { env: { DATABASE_URL: await databaseUrl(dialect) } });
  await Promise.all([on.ready(), off.ready()]);
  const fixtures = { on: await projectOf(on), off: await projectOf(off) };
  describe(`${dialect}: POST /v1/projects/:id/tasks, ${CONCURRENT} at once (audited with the module on)`, () => {
    interleaved(
      (['on', 'off'] as const).map((side) => {
        const { owner, project } = fixtures[side];
        const create = async () => {
          await Promise.all(Array.from({ length: CONCURRENT }, () => owner.post(`/v1/projects/${project}/tasks`, { title: 'bench' })));
        };
        return [`enterprise ${side}`, create, httpOptions];
      }),
    );
  });
}

// --- An authorization decision: the core's table against the RBAC cache (warm), in process.
const permissions = permissionSet(ENTERPRISE_PERMISSIONS);
const builtIn = new BuiltInRoleAuthorizer(permissions.builtInRoles);
const principal: Principal = { orgId: 'bench-org', memberId: 'bench-member', role: 'member', tokenId: 'bench-token' };
const decisionOptions = { iterations: 50_000 * scale, warmupIterations: 5_000 * scale, time: 0 };
for (const dialect of DIALECTS) {
  const { db } = await openFresh(dialect);
  const schema = await enterpriseSchema(dialect);
  await db.admin.migrate(await schema.migrations());
  const store: RbacStore = { db, tables: schema.tables, permissions };
  const freshness =
    dialect === 'postgres'
      ? listenFreshness(store, db.notifications!, createLogger('silent'))
      : Promise.resolve(dataVersionFreshness(store, () => db.dataVersion!()));
  const rbac = new RbacAuthorizer(store, freshness);
  await rbac.authorize(principal, 'task:read');
  describe(`${dialect}: one authorization decision (member, task:read)`, () => {
    bench('core built-in role table', () => builtIn.authorize(principal, 'task:read'), decisionOptions);
    bench(
      dialect === 'postgres'
        ? 'enterprise RBAC, from cache (LISTEN/NOTIFY keeps it fresh)'
        : 'enterprise RBAC, from cache (data_version read once per request)',
      () => rbac.authorize(principal, 'task:read'),
      decisionOptions,
    );
    // What a request adds on SQLite: its first decision reads data_version (nothing else committed, so no row read).
    if (dialect === 'sqlite') {
      bench(
        "enterprise RBAC, a request's first decision (reads data_version)",
        () => {
          rbac.requestStarted();
          return rbac.authorize(principal, 'task:read');
        },
        decisionOptions,
      );
    }
  });
}

// --- Exporting the audit trail: one server process per size, so its peak RSS is that export's.
// A quick run exports a tenth as many records.
const SIZES = [10_000 * scale, 100_000 * scale];
const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Seeds `n` records into the organization's trail straight through SQL (the export does not check hashes). */
function seed(dialect: string, orgId: string, n: number): string {
  const cols =
    'id, org_id, seq, at, actor_id, token_id, action, resource_type, resource_id, before, after, detail, request_id, ip, user_agent, prev_hash, hash';
  if (dialect === 'postgres') {
    return `INSERT INTO audit_records (${cols}) SELECT md5(g::text || '${orgId}'), '${orgId}', g + 1000, now(), 'actor', 'token', 'task.create', 'task', md5(g::text), NULL, '{"title":"' || repeat('x', 200) || '"}', NULL, 'req', '127.0.0.1', 'bench', md5(g::text), md5((g + 1)::text) FROM generate_series(1, ${n}) g`;
  }
  return `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ${n}) INSERT INTO audit_records (${cols}) SELECT lower(hex(randomblob(16))), '${orgId}', g + 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'actor', 'token', 'task.create', 'task', hex(g), NULL, '{"title":"' || replace(hex(zeroblob(100)), '00', 'xx') || '"}', NULL, 'req', '127.0.0.1', 'bench', hex(g), hex(g + 1) FROM s`;
}

/** Reads the whole export as a client would, counting lines without keeping them. */
async function drain(owner: Client): Promise<number> {
  const res = await fetch(`${owner.base}/v1/audit/export?action=task.create`, { headers: { authorization: `Bearer ${owner.token}` } });
  let lines = 0;
  for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines += 1;
  return lines;
}

for (const target of DIALECTS.map((dialect) => ({ dialect, name: dialect, bundle: dialect === 'sqlite' ? ('dev-enterprise' as const) : ('prod' as const) }))) {
  describe(`${target.dialect}: GET /v1/audit/export (NDJSON)`, () => {
    for (const n of SIZES) {
      const entry = { dialect: target.dialect, records: n, startMb: 0, peakMb: 0, ms: [] as number[] };
      let owner: Client;
      let pid = 0;
      bench(
        `${n.toLocaleString('en')} records`,
        async () => {
          const started = performance.now();
          const lines = await drain(owner);
          if (lines !== n) throw new Error(`exported ${lines} records, expected ${n}`);
          entry.ms.push(performance.now() - started);
        },
        {
          iterations: 3,
          warmupIterations: 0,
          time: 0,
          async setup() {
            if (pid) return;
            const deployment = await deployEnterprise(target, {}, { as: 'process' });
            const made = await newOrg(new Client(deployment.server.url!), 'export');
            owner = made.owner;
            await deployment.sql([seed(target.dialect, made.org.id, n)]);
            pid = deployment.server.pid!;
            entry.startMb = peakMb(pid);
          },
          teardown() {
            entry.peakMb = peakMb(pid);
            const best = Math.min(...entry.ms);
            // vitest prints what a bench logs; this is the figure its table cannot show.
            console.log(
              `audit export, ${target.dialect}, ${n.toLocaleString('en')} records: ${Math.round(n / (best / 1000)).toLocaleString('en')} records/s (best of ${entry.ms.length}); server peak RSS ${entry.startMb.toFixed(0)} MB at start, ${entry.peakMb.toFixed(0)} MB after`,
            );
          },
        },
      );
    }
  });
}
