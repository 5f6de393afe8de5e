// Every route of an enterprise build x every built-in role, on dist/prod (PostgreSQL) and dist/dev-enterprise
// (SQLite). The expected answer of each cell is written in the tests, from the documented role table, not read from
// the route declarations: the core's routes in test/support/role-table.ts (which test/api/access.test.ts runs too),
// the enterprise and scaling routes here. A route that declares the wrong permission fails its row; a route the
// tables do not list fails the completeness check against the OpenAPI document.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, newMember, newOrg } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployEnterprise, type EnterpriseDeployment } from '../support/enterprise.js';
import { CORE_ROUTES, cells, checkCell, type GuardedRoute, type Home, type Role } from '../support/role-table.js';

interface World extends Home {
  viewerId: string;
}

let seq = 0;
const member = async (w: World) => (await newMember(w.owner, 'viewer')).member.id as string;
const role = async (w: World) =>
  (await w.owner.post('/v1/roles', { name: `r${seq++}-${Math.random().toString(36).slice(2, 8)}`, permissions: ['task:read'] })).body.id as string;

/** The enterprise module's routes, beside the core's (CORE_ROUTES). */
const ENTERPRISE_TABLE: GuardedRoute<World>[] = [
  {
    method: 'GET',
    route: '/v1/members/:id/grants',
    permission: 'member:read',
    least: 'viewer',
    setup: async (w) => ({ path: `/v1/members/${w.viewerId}/grants` }),
  },
  {
    method: 'PUT',
    route: '/v1/members/:id/grants',
    permission: 'role:manage',
    least: 'admin',
    setup: async (w) => ({ path: `/v1/members/${await member(w)}/grants`, body: { grants: [{ role: 'member', projectId: w.projectId }] } }),
  },
  {
    method: 'GET',
    route: '/v1/members/:id/permissions',
    permission: 'member:read',
    least: 'viewer',
    setup: async (w) => ({ path: `/v1/members/${w.viewerId}/permissions` }),
  },
  { method: 'GET', route: '/v1/roles', permission: 'member:read', least: 'viewer', setup: async () => ({ path: '/v1/roles' }) },
  {
    method: 'POST',
    route: '/v1/roles',
    permission: 'role:manage',
    least: 'admin',
    setup: async () => ({ path: '/v1/roles', body: { name: `made-${seq++}-${Math.random().toString(36).slice(2, 8)}`, permissions: ['task:read'] } }),
  },
  { method: 'GET', route: '/v1/roles/:id', permission: 'member:read', least: 'viewer', setup: async (w) => ({ path: `/v1/roles/${await role(w)}` }) },
  {
    method: 'PATCH',
    route: '/v1/roles/:id',
    permission: 'role:manage',
    least: 'admin',
    setup: async (w) => ({ path: `/v1/roles/${await role(w)}`, body: { permissions: ['task:read', 'comment:read'] } }),
  },
  { method: 'DELETE', route: '/v1/roles/:id', permission: 'role:manage', least: 'admin', setup: async (w) => ({ path: `/v1/roles/${await role(w)}` }) },
  { method: 'GET', route: '/v1/audit', permission: 'audit:read', least: 'admin', setup: async () => ({ path: '/v1/audit?limit=5' }) },
  {
    method: 'GET',
    route: '/v1/audit/export',
    permission: 'audit:read',
    least: 'admin',
    setup: async () => ({ path: '/v1/audit/export?action=project.create' }),
  },
  { method: 'GET', route: '/v1/audit/verify', permission: 'audit:read', least: 'admin', setup: async () => ({ path: '/v1/audit/verify' }) },
  { method: 'GET', route: '/v1/audit/checkpoint', permission: 'audit:read', least: 'admin', setup: async () => ({ path: '/v1/audit/checkpoint' }) },
];

/**
 * Routes of the operator, not of any tenant (the scaling module's cluster state, which dist/prod carries): no tenant
 * role opens them, an owner's included.
 */
const OPERATOR_ROUTES = ['GET /v1/admin/pools'];

/** Routes that take no token. */
const PUBLIC = ['POST /v1/signup'];

describe.each(ENTERPRISE_TARGETS)('permission matrix on $name', (target) => {
  let deployment: EnterpriseDeployment;
  let world: World;
  const clients = {} as Record<Role, Client>;
  const table = [...CORE_ROUTES, ...ENTERPRISE_TABLE];
  const operatorRoutes = target.bundle === 'prod' ? OPERATOR_ROUTES : [];

  beforeAll(async () => {
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-key-')), 'audit-key.pem');
    // What `openssl genpkey -algorithm ed25519` writes: a PKCS#8 PEM private key.
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    // No address is the operator's, so this suite's own loopback calls are a tenant's like any other.
    deployment = await deployEnterprise(target, { AUDIT_KEY_FILE: keyFile, METRICS_ALLOW: 'none' });
    const api = deployment.server.client;
    const { owner } = await newOrg(api, 'matrix');
    const projectId = (await owner.post('/v1/projects', { name: 'Home', key: 'HOME' })).body.id;
    const taskId = (await owner.post(`/v1/projects/${projectId}/tasks`, { title: 'there' })).body.id;
    clients.owner = owner;
    const viewer = await newMember(owner, 'viewer');
    clients.viewer = viewer.client;
    clients.member = (await newMember(owner, 'member')).client;
    clients.admin = (await newMember(owner, 'admin')).client;
    world = { owner, projectId, taskId, viewerId: viewer.member.id };
  });
  afterAll(async () => {
    await deployment?.stop();
  });

  it('lists every route the build serves (the OpenAPI document) exactly once', async () => {
    const doc = (await deployment.server.client.get('/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
    const listed = [...table.map((r) => `${r.method} ${r.route}`), ...PUBLIC, ...operatorRoutes];
    expect(new Set(listed).size).toBe(listed.length);
    expect(served.sort()).toEqual(listed.sort());
  });

  it('opens no operator route to any tenant role, an owner included', async () => {
    for (const route of operatorRoutes) {
      const [method, path] = route.split(' ') as [string, string];
      for (const role of Object.keys(clients) as Role[]) expect((await clients[role].call(method, path)).status, `${role}: ${route}`).toBe(404);
    }
  });

  it.each(cells(table))('%s: %s', async (r, _name, row) => {
    await checkCell(row, r, clients[r], world);
  });
});
