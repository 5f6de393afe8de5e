// Tenancy and authorization as tables over every route and verb: another organization's resources are a 404 for
// any caller, and each built-in role gets exactly the permissions the fixed table grants (403 names the missing one;
// the table is test/support/role-table.ts, shared with the enterprise permission matrix).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, errorOf, newMember, newOrg, startTarget } from '../support/api.js';
import { CORE_ROUTES, cells, checkCell, type Role } from '../support/role-table.js';

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
  let server: ApiServer;
  let api: Client;
  let victim: World;
  let snapshot: () => Promise<string>;

  beforeAll(async () => {
    server = await startTarget(target);
    api = server.client;
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
    const clients = {} as Record<Role, Client>;
    let home: World;

    beforeAll(async () => {
      home = await world(api);
      clients.owner = home.owner;
      for (const role of ['viewer', 'member', 'admin'] as const) clients[role] = (await newMember(home.owner, role)).client;
    });

    it.each(cells(CORE_ROUTES))('%s: %s', async (role, _name, row) => {
      await checkCell(row, role, clients[role], home);
    });
  });
});
