// Every route of an enterprise build x every built-in role, on dist/prod (PostgreSQL) and dist/dev-enterprise
// (SQLite). The expected answer of each cell is written here, from the documented role table, not read from the
// route declarations: a route that declares the wrong permission fails its row. A route the table does not list
// fails the completeness check against the OpenAPI document.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, errorOf, newMember, newOrg } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployEnterprise, type EnterpriseDeployment } from '../support/enterprise.js';

type Role = 'viewer' | 'member' | 'admin' | 'owner';
const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

interface World {
  owner: Client;
  projectId: string;
  taskId: string;
  viewerId: string;
}

interface Row {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  route: string;
  /** The permission a refusal names. */
  permission: string;
  /** The least built-in role allowed. */
  least: Role;
  setup: (w: World, caller: Client) => Promise<{ path: string; body?: unknown }>;
}

let seq = 0;
const key = () =>
  `M${String.fromCharCode(65 + (seq % 26))}${String.fromCharCode(65 + (Math.floor(seq++ / 26) % 26))}${Math.random()
    .toString(36)
    .replace(/[^a-z]/g, '')
    .slice(0, 5)
    .toUpperCase()}`;
const project = async (w: World) => (await w.owner.post('/v1/projects', { name: 'p', key: key() })).body.id as string;
const task = async (w: World) => (await w.owner.post(`/v1/projects/${w.projectId}/tasks`, { title: 't' })).body.id as string;
const member = async (w: World) => (await newMember(w.owner, 'viewer')).member.id as string;
const role = async (w: World) =>
  (await w.owner.post('/v1/roles', { name: `r${seq++}-${Math.random().toString(36).slice(2, 8)}`, permissions: ['task:read'] })).body.id as string;

const TABLE: Row[] = [
  { method: 'GET', route: '/v1/me', permission: 'org:read', least: 'viewer', setup: async () => ({ path: '/v1/me' }) },
  { method: 'GET', route: '/v1/members', permission: 'member:read', least: 'viewer', setup: async () => ({ path: '/v1/members' }) },
  {
    method: 'POST',
    route: '/v1/members',
    permission: 'member:manage',
    least: 'admin',
    setup: async () => ({ path: '/v1/members', body: { email: `n${seq++}-${Math.random()}@example.com`, name: 'N', role: 'viewer' } }),
  },
  {
    method: 'PATCH',
    route: '/v1/members/:id',
    permission: 'member:manage',
    least: 'admin',
    setup: async (w) => ({ path: `/v1/members/${await member(w)}`, body: { role: 'member' } }),
  },
  { method: 'DELETE', route: '/v1/members/:id', permission: 'member:manage', least: 'admin', setup: async (w) => ({ path: `/v1/members/${await member(w)}` }) },
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
  { method: 'GET', route: '/v1/tokens', permission: 'token:manage', least: 'viewer', setup: async () => ({ path: '/v1/tokens' }) },
  { method: 'POST', route: '/v1/tokens', permission: 'token:manage', least: 'viewer', setup: async () => ({ path: '/v1/tokens', body: { name: 'more' } }) },
  {
    method: 'DELETE',
    route: '/v1/tokens/:id',
    permission: 'token:manage',
    least: 'viewer',
    setup: async (_w, caller) => ({ path: `/v1/tokens/${(await caller.post('/v1/tokens', { name: 'spare' })).body.id}` }),
  },
  { method: 'GET', route: '/v1/projects', permission: 'project:read', least: 'viewer', setup: async () => ({ path: '/v1/projects' }) },
  {
    method: 'POST',
    route: '/v1/projects',
    permission: 'project:write',
    least: 'admin',
    setup: async () => ({ path: '/v1/projects', body: { name: 'n', key: key() } }),
  },
  { method: 'GET', route: '/v1/projects/:id', permission: 'project:read', least: 'viewer', setup: async (w) => ({ path: `/v1/projects/${w.projectId}` }) },
  {
    method: 'PATCH',
    route: '/v1/projects/:id',
    permission: 'project:write',
    least: 'admin',
    setup: async (w) => ({ path: `/v1/projects/${await project(w)}`, body: { name: 'renamed' } }),
  },
  {
    method: 'DELETE',
    route: '/v1/projects/:id',
    permission: 'project:write',
    least: 'admin',
    setup: async (w) => ({ path: `/v1/projects/${await project(w)}` }),
  },
  {
    method: 'GET',
    route: '/v1/projects/:id/tasks',
    permission: 'task:read',
    least: 'viewer',
    setup: async (w) => ({ path: `/v1/projects/${w.projectId}/tasks` }),
  },
  {
    method: 'POST',
    route: '/v1/projects/:id/tasks',
    permission: 'task:write',
    least: 'member',
    setup: async (w) => ({ path: `/v1/projects/${w.projectId}/tasks`, body: { title: 'new' } }),
  },
  { method: 'GET', route: '/v1/tasks/:id', permission: 'task:read', least: 'viewer', setup: async (w) => ({ path: `/v1/tasks/${w.taskId}` }) },
  {
    method: 'PATCH',
    route: '/v1/tasks/:id',
    permission: 'task:write',
    least: 'member',
    setup: async (w) => ({ path: `/v1/tasks/${await task(w)}`, body: { status: 'done' } }),
  },
  { method: 'DELETE', route: '/v1/tasks/:id', permission: 'task:write', least: 'member', setup: async (w) => ({ path: `/v1/tasks/${await task(w)}` }) },
  {
    method: 'GET',
    route: '/v1/tasks/:id/comments',
    permission: 'comment:read',
    least: 'viewer',
    setup: async (w) => ({ path: `/v1/tasks/${w.taskId}/comments` }),
  },
  {
    method: 'POST',
    route: '/v1/tasks/:id/comments',
    permission: 'comment:write',
    least: 'member',
    setup: async (w) => ({ path: `/v1/tasks/${w.taskId}/comments`, body: { body: 'hi' } }),
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

/** Routes of the scaling module, which dist/prod carries beside enterprise; its permission is registered like enterprise's. */
const SCALING_TABLE: Row[] = [
  { method: 'GET', route: '/v1/admin/pools', permission: 'pool:read', least: 'admin', setup: async () => ({ path: '/v1/admin/pools' }) },
];

/** Routes that take no token. */
const PUBLIC = ['POST /v1/signup'];

describe.each(ENTERPRISE_TARGETS)('permission matrix on $name', (target) => {
  let deployment: EnterpriseDeployment;
  let world: World;
  const clients = {} as Record<Role, Client>;
  const table = target.bundle === 'prod' ? [...TABLE, ...SCALING_TABLE] : TABLE;

  beforeAll(async () => {
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-key-')), 'audit-key.pem');
    // What `openssl genpkey -algorithm ed25519` writes: a PKCS#8 PEM private key.
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    deployment = await deployEnterprise(target, { AUDIT_KEY_FILE: keyFile });
    const api = new Client(deployment.server.url);
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
    const doc = (await new Client(deployment.server.url).get('/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
    const listed = [...table.map((r) => `${r.method} ${r.route}`), ...PUBLIC];
    expect(new Set(listed).size).toBe(listed.length);
    expect(served.sort()).toEqual(listed.sort());
  });

  it.each(table.flatMap((row) => ROLES.map((r) => [r, `${row.method} ${row.route}`, row] as const)))('%s: %s', async (r, _name, row) => {
    const caller = clients[r];
    const { path: url, body } = await row.setup(world, caller);
    const res = await caller.call(row.method, url, body === undefined ? {} : { body });
    if (RANK[r] >= RANK[row.least]) {
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    } else {
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(errorOf(res)).toMatchObject({ code: 'forbidden', details: { permission: row.permission } });
      expect(errorOf(res).message).toContain(row.permission);
    }
  });
});
