// One rule for handing out power, tried from outside as an attacker would, on dist/prod (PostgreSQL) and
// dist/dev-enterprise (SQLite): nobody gives, changes or takes away a permission they do not hold; a removed member
// keeps nothing; another organization's ids are 404s on every enterprise route.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorOf, newMember, newOrg, type Client } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployForSuite } from '../support/enterprise.js';

/** A new custom role made by `owner`; its id. */
async function role(owner: Client, name: string, permissions: string[], inherits: string[] = []): Promise<string> {
  const res = await owner.post('/v1/roles', { name, permissions, inherits });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** A member whose own role is `name`, given by the owner. */
async function holding(owner: Client, name: string) {
  const made = await newMember(owner, 'viewer');
  const res = await owner.patch(`/v1/members/${made.member.id}`, { role: name });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return made;
}

const grants = (client: Client, memberId: string, list: Array<{ role: string; projectId?: string }>) =>
  client.call('PUT', `/v1/members/${memberId}/grants`, { body: { grants: list } });

async function permissionsOf(owner: Client, memberId: string): Promise<string[]> {
  const res = await owner.get(`/v1/members/${memberId}/permissions`);
  expect(res.status).toBe(200);
  return res.body.permissions.map((p: { permission: string; projectId: string | null }) => `${p.permission}@${p.projectId ?? 'org'}`).sort();
}

describe.each(ENTERPRISE_TARGETS)('handing out power on $name', (target) => {
  const suite = deployForSuite(target);

  it('member:manage alone creates no admin, promotes nobody (itself included) and demotes no admin', async () => {
    const { owner } = await newOrg(suite.api, 'escalate');
    await role(owner, 'hr', ['org:read', 'member:read', 'member:manage']);
    await role(owner, 'auditor', ['audit:read', 'role:manage']);
    const { client: hr, member: self } = await holding(owner, 'hr');
    const { member: admin } = await newMember(owner, 'admin');

    const created = await hr.post('/v1/members', { email: 'boss@example.com', name: 'Boss', role: 'admin' });
    expect(created.status, JSON.stringify(created.body)).toBe(403);
    expect(errorOf(created)).toMatchObject({ code: 'forbidden', details: { permission: expect.any(String) } });
    expect(errorOf(created).message).toContain('role "admin"');
    const promoted = await hr.patch(`/v1/members/${self.id}`, { role: 'admin' });
    expect(promoted.status).toBe(403);
    const audited = await hr.patch(`/v1/members/${self.id}`, { role: 'auditor' });
    expect(audited.status).toBe(403);
    expect(errorOf(audited)).toMatchObject({ details: { permission: expect.stringMatching(/^(audit:read|role:manage)$/) } });
    // Taking away needs holding what is taken away: the admin stays admin.
    expect((await hr.patch(`/v1/members/${admin.id}`, { role: 'viewer' })).status).toBe(403);
    expect((await hr.delete(`/v1/members/${admin.id}`)).status).toBe(403);

    const members = (await owner.get('/v1/members')).body.items;
    expect(members.find((m: { id: string }) => m.id === self.id).role).toBe('hr');
    expect(members.find((m: { id: string }) => m.id === admin.id).role).toBe('admin');
    expect(members.some((m: { email: string }) => m.email === 'boss@example.com')).toBe(false);

    // What it holds, it may hand out.
    const peer = await hr.post('/v1/members', { email: 'peer@example.com', name: 'Peer', role: 'hr' });
    expect(peer.status, JSON.stringify(peer.body)).toBe(201);
  });

  it('role:manage alone strips nothing from a role, revokes no grant and deletes no role it could not have made', async () => {
    const { owner } = await newOrg(suite.api, 'strip');
    const auditorId = await role(owner, 'auditor', ['audit:read', 'member:read']);
    const spareId = await role(owner, 'spare', ['audit:read']);
    const keeperId = await role(owner, 'keeper', ['role:manage']);
    const { client: keeper } = await holding(owner, 'keeper');
    const { member: admin } = await newMember(owner, 'viewer');
    expect((await grants(owner, admin.id, [{ role: 'admin' }])).status).toBe(200);

    const stripped = await keeper.patch(`/v1/roles/${auditorId}`, { permissions: ['member:read'] });
    expect(stripped.status, JSON.stringify(stripped.body)).toBe(403);
    expect(errorOf(stripped)).toMatchObject({ details: { permission: 'audit:read' } });
    expect((await owner.get(`/v1/roles/${auditorId}`)).body.permissions).toEqual(['audit:read', 'member:read']);

    const revoked = await grants(keeper, admin.id, []);
    expect(revoked.status).toBe(403);
    expect((await owner.get(`/v1/members/${admin.id}/grants`)).body.grants.map((g: { role: string }) => g.role)).toEqual(['admin']);

    expect((await keeper.delete(`/v1/roles/${spareId}`)).status).toBe(403);
    expect((await owner.get(`/v1/roles/${spareId}`)).status).toBe(200);
    // Nor edit what it holds into what it does not.
    expect((await keeper.patch(`/v1/roles/${keeperId}`, { inherits: ['admin'] })).status).toBe(403);
  });

  it('a project grant counts on its project only', async () => {
    const { owner } = await newOrg(suite.api, 'scoped');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    const q = (await owner.post('/v1/projects', { name: 'Q', key: 'QQQ' })).body.id;
    await role(owner, 'granter', ['role:manage', 'member:read']);
    await role(owner, 'tester', ['task:write']);
    const { client: granter, member: g } = await holding(owner, 'granter');
    expect((await grants(owner, g.id, [{ role: 'tester', projectId: p }])).status).toBe(200);
    const { member: v } = await newMember(owner, 'viewer');

    expect((await grants(granter, v.id, [{ role: 'tester', projectId: q }])).status).toBe(403);
    expect((await grants(granter, v.id, [{ role: 'tester' }])).status).toBe(403);
    const onP = await grants(granter, v.id, [{ role: 'tester', projectId: p }]);
    expect(onP.status, JSON.stringify(onP.body)).toBe(200);
    expect(await permissionsOf(owner, v.id)).toContain(`task:write@${p}`);
  });

  it('a removed member takes nothing with them: added back as viewer they are a viewer, and the trail says so', async () => {
    const { owner } = await newOrg(suite.api, 'comeback');
    const { member } = await newMember(owner, 'viewer');
    const granted = await grants(owner, member.id, [{ role: 'admin' }]);
    expect(granted.status).toBe(200);
    expect(await permissionsOf(owner, member.id)).toContain('role:manage@org');

    expect((await owner.delete(`/v1/members/${member.id}`)).status).toBe(204);
    const back = await owner.post('/v1/members', { email: member.email, name: 'Back', role: 'viewer' });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body.member.id).toBe(member.id);
    const returned = owner.as(back.body.token);
    expect((await returned.post('/v1/roles', { name: 'mine', permissions: ['task:read'] })).status).toBe(403);
    expect((await returned.post('/v1/projects', { name: 'X', key: 'XXX' })).status).toBe(403);
    expect((await owner.get(`/v1/members/${member.id}/grants`)).body.grants).toEqual([]);
    expect(await permissionsOf(owner, member.id)).not.toContain('role:manage@org');

    const [removed] = (await owner.get(`/v1/audit?action=member.remove&resourceId=${member.id}`)).body.items;
    expect(removed.before).toMatchObject({ role: 'viewer', grants: [{ id: granted.body.grants[0].id, role: 'admin', projectId: null }] });
    expect(removed.before.revokedTokens).toHaveLength(1);
    const [added] = (await owner.get(`/v1/audit?action=member.add&resourceId=${member.id}`)).body.items;
    expect(added.after).toMatchObject({ role: 'viewer' });
  });

  it('grants an older version left on a removed member are dropped when the member is added back', async () => {
    const { owner, org } = await newOrg(suite.api, 'leftover');
    const { member } = await newMember(owner, 'viewer');
    expect((await owner.delete(`/v1/members/${member.id}`)).status).toBe(204);
    const createdAt = target.dialect === 'postgres' ? 'now()' : String(Date.now());
    await suite.deployment.sql([
      `INSERT INTO role_grants (id, org_id, member_id, role, project_id, created_at) VALUES ('${randomUUID()}', '${org.id}', '${member.id}', 'admin', NULL, ${createdAt})`,
    ]);
    const back = await owner.post('/v1/members', { email: member.email, name: 'Back', role: 'viewer' });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect((await owner.as(back.body.token).post('/v1/roles', { name: 'mine', permissions: ['task:read'] })).status).toBe(403);
    expect((await owner.get(`/v1/members/${member.id}/grants`)).body.grants).toEqual([]);
    const [added] = (await owner.get(`/v1/audit?action=member.add&resourceId=${member.id}`)).body.items;
    expect(added.before).toMatchObject({ grants: [{ role: 'admin', projectId: null }] });
  });

  it("another organization's role and member ids are 404s, whatever the caller may do", async () => {
    const { owner: theirs } = await newOrg(suite.api, 'theirs');
    const theirRole = await role(theirs, 'secret', ['task:read']);
    const { member: theirMember } = await newMember(theirs, 'viewer');
    const { owner } = await newOrg(suite.api, 'ours');
    await role(owner, 'bare', ['org:read']);
    const ourRole = await role(owner, 'ours', ['task:read']);
    const { client: viewer } = await newMember(owner, 'viewer');
    const { client: bare } = await holding(owner, 'bare');

    for (const [who, caller] of [
      ['viewer', viewer],
      ['bare', bare],
      ['owner', owner],
    ] as const) {
      const tries = [
        await caller.get(`/v1/roles/${theirRole}`),
        await caller.patch(`/v1/roles/${theirRole}`, { permissions: ['task:read'] }),
        await caller.delete(`/v1/roles/${theirRole}`),
        await grants(caller, theirMember.id, []),
        await caller.get(`/v1/members/${theirMember.id}/grants`),
        await caller.get(`/v1/members/${theirMember.id}/permissions`),
      ];
      expect(
        tries.map((t) => t.status),
        who,
      ).toEqual([404, 404, 404, 404, 404, 404]);
    }
    // Their own organization's role is there: refused, not hidden.
    expect((await viewer.patch(`/v1/roles/${ourRole}`, { permissions: ['task:read'] })).status).toBe(403);
    expect((await theirs.get(`/v1/roles/${theirRole}`)).status).toBe(200);
  });
});
