// Custom roles, inheritance and project grants through the API of dist/prod (PostgreSQL) and dist/dev-enterprise
// (SQLite); and a change made on one server process enforced by another on its very next request.
import { describe, expect, it } from 'vitest';
import { errorOf, newMember, newOrg } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployForSuite } from '../support/enterprise.js';

describe.each(ENTERPRISE_TARGETS)('RBAC on $name', (target) => {
  const suite = deployForSuite(target);

  it('a member with task:write on project A only is allowed on A and refused on B, naming task:write', async () => {
    const { owner } = await newOrg(suite.api, 'grants');
    const a = (await owner.post('/v1/projects', { name: 'A', key: 'AAA' })).body.id;
    const b = (await owner.post('/v1/projects', { name: 'B', key: 'BBB' })).body.id;
    const tester = await owner.post('/v1/roles', { name: 'tester', description: 'writes tasks', permissions: ['task:write'], inherits: ['viewer'] });
    expect(tester.status, JSON.stringify(tester.body)).toBe(201);
    const { client, member } = await newMember(owner, 'viewer');
    expect((await client.post(`/v1/projects/${a}/tasks`, { title: 'before' })).status).toBe(403);

    const put = await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: 'tester', projectId: a }] } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.grants).toEqual([{ id: expect.any(String), role: 'tester', projectId: a, createdAt: expect.any(String) }]);

    expect((await client.post(`/v1/projects/${a}/tasks`, { title: 'on A' })).status).toBe(201);
    const onB = await client.post(`/v1/projects/${b}/tasks`, { title: 'on B' });
    expect(onB.status).toBe(403);
    expect(errorOf(onB)).toMatchObject({ code: 'forbidden', details: { permission: 'task:write' } });
    expect(errorOf(onB).message).toContain('task:write');
    // Project-scoped: a project-less route needing the permission org-wide stays refused.
    expect((await client.post('/v1/projects', { name: 'C', key: 'CCC' })).status).toBe(403);

    const explained = await owner.get(`/v1/members/${member.id}/permissions`);
    expect(explained.status).toBe(200);
    const of = (permission: string, projectId: string | null) =>
      explained.body.permissions.find((p: any) => p.permission === permission && p.projectId === projectId);
    expect(of('task:write', a)).toMatchObject({ sources: [{ via: 'grant', grantId: put.body.grants[0].id, role: 'tester', path: ['tester'] }] });
    expect(of('task:write', null)).toBeUndefined();
    expect(of('task:write', b)).toBeUndefined();
    expect(of('task:read', null)).toMatchObject({ sources: [{ via: 'member-role', role: 'viewer', path: ['viewer'] }] });
    // Inherited through the grant: tester -> viewer.
    expect(of('task:read', a)).toMatchObject({ sources: [{ via: 'grant', role: 'tester', path: ['tester', 'viewer'] }] });
  });

  it('roles inherit roles; a member can hold a custom role as their own; a cycle is a 400 naming it', async () => {
    const { owner } = await newOrg(suite.api, 'inherit');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    const reader = (await owner.post('/v1/roles', { name: 'reader', inherits: ['viewer'] })).body;
    const writer = (await owner.post('/v1/roles', { name: 'writer', permissions: ['comment:write', 'task:write'], inherits: ['reader'] })).body;
    const { client, member } = await newMember(owner, 'viewer');
    const changed = await owner.patch(`/v1/members/${member.id}`, { role: 'writer' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.role).toBe('writer');
    expect((await client.post(`/v1/projects/${p}/tasks`, { title: 'mine' })).status).toBe(201);
    expect((await client.get('/v1/projects')).status).toBe(200); // project:read from viewer, two levels up

    const cycle = await owner.patch(`/v1/roles/${reader.id}`, { inherits: ['writer'] });
    expect(cycle.status).toBe(400);
    expect(errorOf(cycle).message).toMatch(/cycle: reader -> writer -> reader/);
    expect(errorOf(cycle).details).toEqual([expect.objectContaining({ field: 'body.inherits', cycle: ['reader', 'writer', 'reader'] })]);
    expect((await owner.post('/v1/roles', { name: 'self', inherits: ['self'] })).status).toBe(400);

    // Unknown names are 400s that say which.
    const unknownPermission = await owner.post('/v1/roles', { name: 'odd', permissions: ['task:fly'] });
    expect(unknownPermission.status).toBe(400);
    const unknownParent = await owner.post('/v1/roles', { name: 'odd', inherits: ['nobody'] });
    expect(errorOf(unknownParent).message).toContain('"nobody"');
    expect((await owner.post('/v1/members', { email: 'x@example.com', name: 'X', role: 'nobody' })).status).toBe(400);
    expect((await owner.post('/v1/roles', { name: 'viewer' })).status).toBe(409);
    expect((await owner.post('/v1/roles', { name: 'writer' })).status).toBe(409);

    // A change to a role is enforced on the next request.
    expect((await owner.patch(`/v1/roles/${writer.id}`, { permissions: ['comment:write'] })).status).toBe(200);
    expect((await client.post(`/v1/projects/${p}/tasks`, { title: 'no more' })).status).toBe(403);
  });

  it('deleting a role in use is a 409 naming who holds it', async () => {
    const { owner } = await newOrg(suite.api, 'inuse');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    const qa = (await owner.post('/v1/roles', { name: 'qa', permissions: ['task:write'] })).body;
    await owner.post('/v1/roles', { name: 'lead', inherits: ['qa'] });
    const { member } = await newMember(owner, 'viewer');
    await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: 'qa', projectId: p }] } });
    const refused = await owner.delete(`/v1/roles/${qa.id}`);
    expect(refused.status).toBe(409);
    expect(errorOf(refused).message).toContain(member.email);
    expect(errorOf(refused).message).toContain('role "lead"');
    expect(errorOf(refused).details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'grant', memberId: member.id, projectId: p }),
        expect.objectContaining({ kind: 'role', name: 'lead' }),
      ]),
    );
  });

  it('nobody hands out a permission they do not hold', async () => {
    const { owner } = await newOrg(suite.api, 'escalate');
    await owner.post('/v1/roles', { name: 'role-admin', permissions: ['role:manage', 'member:read'] });
    const { client, member } = await newMember(owner, 'viewer');
    await owner.patch(`/v1/members/${member.id}`, { role: 'role-admin' });
    const res = await client.post('/v1/roles', { name: 'boss', permissions: ['project:write'] });
    expect(res.status).toBe(403);
    expect(errorOf(res)).toMatchObject({ details: { permission: 'project:write' } });
    const self = await client.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: 'admin' }] } });
    expect(self.status).toBe(403);
  });
});

describe.each(ENTERPRISE_TARGETS)('a change on one process is enforced by another on $name', (target) => {
  const suite = deployForSuite(target);

  it('demotions, revoked grants and changed roles, on the very next request to the second process', async () => {
    const second = await suite.deployment.another();
    const one = suite.deployment.server.client;
    const { owner } = await newOrg(one, 'twice');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    const { client, member } = await newMember(owner, 'admin');
    const there = second.client.as(client.token);
    const writeThere = async () => (await there.post(`/v1/projects/${p}/tasks`, { title: 't' })).status;

    for (let round = 0; round < 5; round++) {
      // Demotion through the member's own role.
      await owner.patch(`/v1/members/${member.id}`, { role: 'admin' });
      expect(await writeThere()).toBe(201); // also fills the second process's cache
      expect((await owner.patch(`/v1/members/${member.id}`, { role: 'viewer' })).status).toBe(200);
      expect(await writeThere()).toBe(403);

      // A revoked grant.
      expect((await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: 'member', projectId: p }] } })).status).toBe(200);
      expect(await writeThere()).toBe(201);
      expect((await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [] } })).status).toBe(200);
      expect(await writeThere()).toBe(403);

      // A role that loses a permission.
      const role = (await owner.post('/v1/roles', { name: `w${round}`, permissions: ['task:write'] })).body;
      await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: role.name }] } });
      expect(await writeThere()).toBe(201);
      expect((await owner.patch(`/v1/roles/${role.id}`, { permissions: ['task:read'] })).status).toBe(200);
      expect(await writeThere()).toBe(403);
      await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [] } });
    }
    // On PostgreSQL every change waited for both listeners' acknowledgements, not for its bound to run out.
    for (const s of [suite.deployment.server, second]) expect(s.output.filter((l) => l.includes('not every instance acknowledged'))).toEqual([]);
  });

  it('a member removed and added back on the first process holds none of their old grants on the second', async () => {
    const second = await suite.deployment.another();
    const { owner } = await newOrg(suite.deployment.server.client, 'comeback');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    const { client, member } = await newMember(owner, 'viewer');
    expect((await owner.call('PUT', `/v1/members/${member.id}/grants`, { body: { grants: [{ role: 'member', projectId: p }] } })).status).toBe(200);
    // The second process caches what this member, as a viewer, may do: the grant included.
    expect((await second.client.as(client.token).post(`/v1/projects/${p}/tasks`, { title: 't' })).status).toBe(201);

    // Removal takes the grant away; added back with the same role, the member has the same id and cache key.
    expect((await owner.call('DELETE', `/v1/members/${member.id}`)).status).toBe(204);
    const back = await owner.post('/v1/members', { email: member.email, name: 'Back again', role: 'viewer' });
    expect(back.status).toBe(201);
    expect(back.body.member.id).toBe(member.id);
    const again = second.client.as(back.body.token);
    expect((await again.post(`/v1/projects/${p}/tasks`, { title: 't' })).status).toBe(403);
    expect((await again.get(`/v1/projects/${p}/tasks`)).status).toBe(200);
  });
});
