// Tenancy and authorization as tables over every route and verb: another organization's resources are a 404 for
// any caller, and each built-in role gets exactly the permissions the fixed table grants (403 names the missing one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../support/server-process.js';
import { API_TARGETS, Client, errorOf, newMember, newOrg, startTarget } from '../support/api.js';

interface World {
  owner: Client;
  memberId: string;
  projectId: string;
  taskId: string;
  tokenId: string;
}

/** An organization with one of everything. */
async function world(api: Client): Promise<World> {
  const { owner } = await newOrg(api, 'world');
  const { member } = await newMember(owner, 'member');
  const projectId = (await owner.post('/v1/projects', { name: 'Secret', key: 'SECRET' })).body.id;
  const taskId = (await owner.post(`/v1/projects/${projectId}/tasks`, { title: 'hidden', labels: ['x'] })).body.id;
  await owner.post(`/v1/tasks/${taskId}/comments`, { body: 'private' });
  const tokenId = (await owner.post('/v1/tokens', { name: 'spare' })).body.id;
  return { owner, memberId: member.id, projectId, taskId, tokenId };
}

interface RouteCase {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: (w: World) => string;
  body?: unknown;
}

/** Every route that names a resource by id. */
const ID_ROUTES: RouteCase[] = [
  { method: 'PATCH', path: (w) => `/v1/members/${w.memberId}`, body: { role: 'viewer' } },
  { method: 'DELETE', path: (w) => `/v1/members/${w.memberId}` },
  { method: 'DELETE', path: (w) => `/v1/tokens/${w.tokenId}` },
  { method: 'GET', path: (w) => `/v1/projects/${w.projectId}` },
  { method: 'PATCH', path: (w) => `/v1/projects/${w.projectId}`, body: { name: 'mine now' } },
  { method: 'DELETE', path: (w) => `/v1/projects/${w.projectId}` },
  { method: 'POST', path: (w) => `/v1/projects/${w.projectId}/tasks`, body: { title: 'planted' } },
  { method: 'GET', path: (w) => `/v1/projects/${w.projectId}/tasks` },
  { method: 'GET', path: (w) => `/v1/tasks/${w.taskId}` },
  { method: 'PATCH', path: (w) => `/v1/tasks/${w.taskId}`, body: { title: 'changed' } },
  { method: 'DELETE', path: (w) => `/v1/tasks/${w.taskId}` },
  { method: 'POST', path: (w) => `/v1/tasks/${w.taskId}/comments`, body: { body: 'planted' } },
  { method: 'GET', path: (w) => `/v1/tasks/${w.taskId}/comments` },
];

describe.each(API_TARGETS)('access control on $name', (target) => {
  let server: RunningServer;
  let api: Client;
  let victim: World;
  let snapshot: () => Promise<string>;

  beforeAll(async () => {
    server = await startTarget(target);
    api = new Client(server.url);
    victim = await world(api);
    snapshot = async () => {
      const o = victim.owner;
      const parts = await Promise.all([
        o.get('/v1/members'),
        o.get('/v1/tokens'),
        o.get('/v1/projects'),
        o.get(`/v1/projects/${victim.projectId}/tasks`),
        o.get(`/v1/tasks/${victim.taskId}/comments`),
      ]);
      // lastUsedAt moves as the victim's own token is used to look; it is not what is being guarded.
      return JSON.stringify(
        parts.map((p) => p.body),
        (k, v) => (k === 'lastUsedAt' ? undefined : v),
      );
    };
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('another organization', () => {
    it.each(
      ID_ROUTES.map(
        (r) => [`${r.method} ${r.path({ memberId: ':member', projectId: ':project', taskId: ':task', tokenId: ':token' } as unknown as World)}`, r] as const,
      ),
    )('%s is a 404 for the owner of another organization, and changes nothing', async (_name, route) => {
      const before = await snapshot();
      const { owner: intruder } = await newOrg(api, 'intruder');
      const res = await intruder.call(route.method, route.path(victim), route.body === undefined ? {} : { body: route.body });
      expect(res.status).toBe(404);
      expect(errorOf(res).code).toBe('not_found');
      expect(await snapshot()).toBe(before);
    });

    // A role that may not act is refused only on its own organization's resources: the guard must not answer 403
    // before knowing the project or task is the caller's (it looks the project up only for a caller it refuses).
    it.each(
      ID_ROUTES.filter((r) => /^\/v1\/(projects|tasks)\//.test(r.path({ projectId: 'p', taskId: 't' } as World))).map(
        (r) => [`${r.method} ${r.path({ projectId: ':project', taskId: ':task' } as World)}`, r] as const,
      ),
    )('%s is a 404 for a viewer of another organization, not a 403, and changes nothing', async (_name, route) => {
      const before = await snapshot();
      const { owner: other } = await newOrg(api, 'intruder');
      const { client: viewer } = await newMember(other, 'viewer');
      const res = await viewer.call(route.method, route.path(victim), route.body === undefined ? {} : { body: route.body });
      expect(res.status).toBe(404);
      expect(errorOf(res).code).toBe('not_found');
      expect(await snapshot()).toBe(before);
    });

    it('a project or task that exists nowhere is a 404 for a role that may not act on it', async () => {
      const { owner } = await newOrg(api, 'home');
      const { client: viewer } = await newMember(owner, 'viewer');
      const nowhere = '00000000-0000-4000-8000-000000000000';
      for (const [method, path, body] of [
        ['POST', `/v1/projects/${nowhere}/tasks`, { title: 'x' }],
        ['PATCH', `/v1/projects/${nowhere}`, { name: 'x' }],
        ['DELETE', `/v1/projects/${nowhere}`, undefined],
        ['PATCH', `/v1/tasks/${nowhere}`, { title: 'x' }],
        ['POST', `/v1/tasks/${nowhere}/comments`, { body: 'x' }],
      ] as const) {
        const res = await viewer.call(method, path, body === undefined ? {} : { body });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    });

    it('listings show only the caller’s organization', async () => {
      const { owner: intruder } = await newOrg(api, 'intruder');
      const seen = JSON.stringify([
        (await intruder.get('/v1/members')).body,
        (await intruder.get('/v1/projects')).body,
        (await intruder.get('/v1/tokens')).body,
      ]);
      for (const id of [victim.memberId, victim.projectId, victim.tokenId]) expect(seen).not.toContain(id);
      // Filtering one's own project by a foreign assignee finds nothing rather than erroring.
      const own = (await intruder.post('/v1/projects', { name: 'Mine', key: 'MINE' })).body.id;
      const res = await intruder.get(`/v1/projects/${own}/tasks?assigneeId=${victim.memberId}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    });
  });

  describe('built-in roles', () => {
    type Role = 'viewer' | 'member' | 'admin' | 'owner';
    const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
    interface Guarded {
      method: RouteCase['method'];
      route: string;
      permission: string;
      /** The least role that may call it. */
      least: Role;
      /** Fresh targets for the call, made by the owner (so destructive calls do not use up shared fixtures). */
      setup: (w: World) => Promise<{ path: string; body?: unknown }>;
    }
    const project = async (w: World) =>
      (
        await w.owner.post('/v1/projects', {
          name: 'p',
          key: `K${Math.random()
            .toString(36)
            .replace(/[^a-z]/g, '')
            .slice(0, 8)
            .toUpperCase()}X`,
        })
      ).body.id;
    const task = async (w: World) => (await w.owner.post(`/v1/projects/${w.projectId}/tasks`, { title: 't' })).body.id;
    const member = async (w: World) => (await newMember(w.owner, 'viewer')).member.id;
    const TABLE: Guarded[] = [
      { method: 'GET', route: '/v1/me', permission: 'org:read', least: 'viewer', setup: async () => ({ path: '/v1/me' }) },
      { method: 'GET', route: '/v1/members', permission: 'member:read', least: 'viewer', setup: async () => ({ path: '/v1/members' }) },
      {
        method: 'POST',
        route: '/v1/members',
        permission: 'member:manage',
        least: 'admin',
        setup: async () => ({ path: '/v1/members', body: { email: `n${Math.random()}@example.com`, name: 'N', role: 'viewer' } }),
      },
      {
        method: 'PATCH',
        route: '/v1/members/:id',
        permission: 'member:manage',
        least: 'admin',
        setup: async (w) => ({ path: `/v1/members/${await member(w)}`, body: { role: 'member' } }),
      },
      {
        method: 'DELETE',
        route: '/v1/members/:id',
        permission: 'member:manage',
        least: 'admin',
        setup: async (w) => ({ path: `/v1/members/${await member(w)}` }),
      },
      { method: 'GET', route: '/v1/tokens', permission: 'token:manage', least: 'viewer', setup: async () => ({ path: '/v1/tokens' }) },
      { method: 'POST', route: '/v1/tokens', permission: 'token:manage', least: 'viewer', setup: async () => ({ path: '/v1/tokens', body: { name: 'more' } }) },
      { method: 'GET', route: '/v1/projects', permission: 'project:read', least: 'viewer', setup: async () => ({ path: '/v1/projects' }) },
      {
        method: 'POST',
        route: '/v1/projects',
        permission: 'project:write',
        least: 'admin',
        setup: async () => ({
          path: '/v1/projects',
          body: {
            name: 'n',
            key: `N${Math.random()
              .toString(36)
              .replace(/[^a-z]/g, '')
              .slice(0, 8)
              .toUpperCase()}Z`,
          },
        }),
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
    const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];
    const clients = {} as Record<Role, Client>;
    let home: World;

    beforeAll(async () => {
      home = await world(api);
      clients.owner = home.owner;
      for (const role of ['viewer', 'member', 'admin'] as const) clients[role] = (await newMember(home.owner, role)).client;
    });

    it.each(TABLE.flatMap((row) => ROLES.map((role) => [role, `${row.method} ${row.route}`, row] as const)))('%s: %s', async (role, _name, row) => {
      const { path, body } = await row.setup(home);
      const res = await clients[role].call(row.method, path, body === undefined ? {} : { body });
      if (RANK[role] >= RANK[row.least]) {
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      } else {
        expect(res.status).toBe(403);
        expect(errorOf(res)).toMatchObject({ code: 'forbidden', details: { permission: row.permission } });
        expect(errorOf(res).message).toContain(row.permission);
      }
    });
  });
});
