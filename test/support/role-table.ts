// Every route of the core x every built-in role: which permission each route needs and the least role that holds it,
// written here from the README's table of routes and permissions and its roles, not read from the route declarations
// in src, so a route that declares the wrong permission fails its row. test/api/access.test.ts runs it on the core builds;
// test/enterprise/permission-matrix.test.ts adds the enterprise and scaling routes and checks the whole table against
// the OpenAPI document of each enterprise build.
import { expect } from 'vitest';
import { errorOf, newMember, type Client } from './api.js';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** What every row's setup may use: an organization's owner, with a project and a task of theirs. */
export interface Home {
  readonly owner: Client;
  readonly projectId: string;
  readonly taskId: string;
}

export interface GuardedRoute<W extends Home = Home> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly route: string;
  /** The permission a refusal names. */
  readonly permission: string;
  /** The least built-in role allowed. */
  readonly least: Role;
  /** Fresh targets for the call (so destructive calls do not use up shared fixtures), made by the owner or the caller. */
  readonly setup: (w: W, caller: Client) => Promise<{ path: string; body?: unknown }>;
}

let seq = 0;
/** A project key no other call in this process has made: 2-10 upper-case letters, unique in an organization. */
export const projectKey = () =>
  `M${String.fromCharCode(65 + (seq % 26))}${String.fromCharCode(65 + (Math.floor(seq++ / 26) % 26))}${Math.random()
    .toString(36)
    .replace(/[^a-z]/g, '')
    .slice(0, 5)
    .toUpperCase()}`;
const project = async (w: Home) => (await w.owner.post('/v1/projects', { name: 'p', key: projectKey() })).body.id as string;
const task = async (w: Home) => (await w.owner.post(`/v1/projects/${w.projectId}/tasks`, { title: 't' })).body.id as string;
const member = async (w: Home) => (await newMember(w.owner, 'viewer')).member.id as string;

export const CORE_ROUTES: readonly GuardedRoute[] = [
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
    setup: async () => ({ path: '/v1/projects', body: { name: 'n', key: projectKey() } }),
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
];

/** One case per route and role, named `role: METHOD /route`, for `it.each`. */
export function cells<W extends Home>(table: readonly GuardedRoute<W>[]) {
  return table.flatMap((row) => ROLES.map((role) => [role, `${row.method} ${row.route}`, row] as const));
}

/** Calls the route as `caller`, who holds `role`: a role from the row's least one up is served, any other gets a 403 naming the permission. */
export async function checkCell<W extends Home>(row: GuardedRoute<W>, role: Role, caller: Client, world: W): Promise<void> {
  const { path, body } = await row.setup(world, caller);
  const res = await caller.call(row.method, path, body === undefined ? {} : { body });
  if (RANK[role] >= RANK[row.least]) {
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  } else {
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(errorOf(res)).toMatchObject({ code: 'forbidden', details: { permission: row.permission } });
    expect(errorOf(res).message).toContain(row.permission);
  }
}
