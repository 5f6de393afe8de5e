// The audit trail through dist/prod (PostgreSQL) and dist/dev-enterprise (SQLite): one record per successful
// mutation and none for a failed one, refusals recorded, append-only storage, filtered and paged reading, a streamed
// export, one unbroken chain per organization under concurrent writers on two processes.
import { describe, expect, it } from 'vitest';
import { Client, newMember, newOrg } from '../support/api.js';
import { ENTERPRISE_TARGETS, deployForSuite } from '../support/enterprise.js';
import { waitFor } from '../support/wait.js';

async function exported(client: Client, query = ''): Promise<any[]> {
  const res = await client.get(`/v1/audit/export${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  return (res.body as string)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe.each(ENTERPRISE_TARGETS)('audit trail on $name', (target) => {
  const suite = deployForSuite(target);

  it('a failed mutation leaves no record; a successful one exactly one, with who, what, before/after and the request', async () => {
    const { owner, user } = await newOrg(suite.api, 'once');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    await owner.post('/v1/projects', { name: 'Q', key: 'QQQ' });
    const before = await exported(owner);

    // Refused inside their transactions: an unknown assignee (400), a taken key (409), a stale If-Match (412).
    expect((await owner.post(`/v1/projects/${p}/tasks`, { title: 't', assigneeId: '00000000-0000-4000-8000-000000000000' })).status).toBe(400);
    expect((await owner.patch(`/v1/projects/${p}`, { key: 'QQQ' })).status).toBe(409);
    const t = (await owner.post(`/v1/projects/${p}/tasks`, { title: 'kept' }, { headers: { 'x-request-id': 'req-audit-1', 'user-agent': 'audit-test/1' } }))
      .body;
    expect((await owner.patch(`/v1/tasks/${t.id}`, { title: 'x' }, { headers: { 'if-match': '"7"' } })).status).toBe(412);

    const after = await exported(owner);
    const added = after.slice(before.length);
    expect(added.map((r) => r.action)).toEqual(['task.create']);
    expect(added[0]).toMatchObject({
      seq: before.length + 1,
      actor: { memberId: user.id },
      resource: { type: 'task', id: t.id },
      before: null,
      after: { id: t.id, title: 'kept', number: 1 },
      request: { id: 'req-audit-1', ip: expect.any(String), userAgent: 'audit-test/1' },
      prevHash: before[before.length - 1].hash,
    });

    const updated = await owner.patch(`/v1/tasks/${t.id}`, { status: 'done' });
    expect(updated.status).toBe(200);
    const last = (await owner.get('/v1/audit?limit=1')).body.items[0];
    expect(last).toMatchObject({ action: 'task.update', before: { status: 'todo', version: 1 }, after: { status: 'done', version: 2 } });
  });

  it('records denials and failed sign-ins, each in its own transaction', async () => {
    const { owner } = await newOrg(suite.api, 'refusals');
    const { client, member } = await newMember(owner, 'viewer');
    expect((await client.post('/v1/projects', { name: 'N', key: 'NOPE' })).status).toBe(403);
    const spare = (await client.post('/v1/tokens', { name: 'spare' })).body;
    await client.delete(`/v1/tokens/${spare.id}`);
    expect((await client.as(spare.token).get('/v1/me')).status).toBe(401);

    const denied = (await owner.get(`/v1/audit?action=access.denied&actor=${member.id}`)).body.items;
    expect(denied).toEqual([
      expect.objectContaining({
        actor: { memberId: member.id, tokenId: expect.any(String) },
        detail: { permission: 'project:write', route: 'POST /v1/projects' },
      }),
    ]);
    const failed = (await owner.get('/v1/audit?action=auth.failed')).body.items;
    expect(failed).toEqual([
      expect.objectContaining({
        actor: { memberId: member.id, tokenId: spare.id },
        detail: expect.objectContaining({ reason: expect.stringContaining('revoked') }),
      }),
    ]);
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('refuses to change or remove a record, on the database itself', async () => {
    const { owner } = await newOrg(suite.api, 'appendonly');
    await owner.post('/v1/projects', { name: 'P', key: 'PPP' });
    await expect(suite.deployment.sql(["UPDATE audit_records SET action = 'forged'"])).rejects.toThrow(/append-only/);
    await expect(suite.deployment.sql(['DELETE FROM audit_records'])).rejects.toThrow(/append-only/);
    if (target.dialect === 'postgres') await expect(suite.deployment.sql(['TRUNCATE audit_records'])).rejects.toThrow(/append-only/);
    expect((await owner.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('lists with filters and a cursor, newest first; exports everything oldest first as NDJSON', async () => {
    const { owner, user } = await newOrg(suite.api, 'listing');
    const p = (await owner.post('/v1/projects', { name: 'P', key: 'PPP' })).body.id;
    const { client: writer, member } = await newMember(owner, 'member');
    // A mark strictly between the member's addition and the tasks: an in-process server answers within the millisecond.
    const added = Date.now();
    await waitFor("the clock past the member's addition", () => Date.now() > added, 1000, 1);
    const mark = new Date().toISOString();
    await waitFor('the clock past the mark', () => Date.now() > Date.parse(mark), 1000, 1);
    for (let i = 0; i < 7; i++) await (i % 2 ? writer : owner).post(`/v1/projects/${p}/tasks`, { title: `t${i}` });
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await owner.get(`/v1/audit?action=task.create&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.map((r) => r.after.title)).toEqual(['t6', 't5', 't4', 't3', 't2', 't1', 't0']);
    expect((await owner.get(`/v1/audit?action=task.create&actor=${member.id}`)).body.items.map((r: any) => r.after.title)).toEqual(['t5', 't3', 't1']);
    expect((await owner.get(`/v1/audit?actor=${user.id}&resourceType=project`)).body.items.map((r: any) => r.action)).toEqual(['project.create']);
    expect((await owner.get(`/v1/audit?from=${mark}&action=member.add`)).body.items).toEqual([]);
    expect((await owner.get(`/v1/audit?to=${mark}&action=task.create`)).body.items).toEqual([]);
    expect((await owner.get('/v1/audit?cursor=bogus')).status).toBe(400);
    // A NUL is refused as in every other text, the same on both dialects, naming the field.
    for (const route of ['/v1/audit', '/v1/audit/export']) {
      for (const field of ['action', 'resourceType', 'resourceId']) {
        const refused = await owner.get(`${route}?${field}=a%00b`);
        expect(refused.status, `${route} ${field}`).toBe(400);
        expect(refused.body.error.details).toEqual([{ field: `querystring.${field}`, message: expect.stringMatching(/must not contain NUL/) }]);
      }
    }

    const all = await exported(owner);
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((r) => r.action === 'task.create')).toHaveLength(7);
    for (let i = 1; i < all.length; i++) expect(all[i].prevHash).toBe(all[i - 1].hash);
    expect((await exported(owner, `?actor=${member.id}`)).map((r) => r.after.title)).toEqual(['t1', 't3', 't5']);
  });

  it('200 concurrent mutations over two processes leave one unbroken chain per organization', async () => {
    const second = await suite.deployment.another();
    const orgs = await Promise.all([newOrg(suite.api, 'race-a'), newOrg(suite.api, 'race-b')]);
    // Ten projects each: creates in one project queue on its row, so the chain's own lock is what keeps them apart.
    const projects = await Promise.all(
      orgs.map(async ({ owner }) =>
        Promise.all(
          Array.from(
            { length: 10 },
            async (_, k) => (await owner.post('/v1/projects', { name: 'R', key: `RACE${String.fromCharCode(65 + k)}` })).body.id as string,
          ),
        ),
      ),
    );
    const counts = await Promise.all(orgs.map(async ({ owner }) => (await exported(owner)).length));
    const calls = Array.from({ length: 200 }, (_, i) => {
      const o = i % 2;
      const client = (i % 4 < 2 ? suite.deployment.server : second).client.as(orgs[o]!.owner.token);
      return client.post(`/v1/projects/${projects[o]![Math.floor(i / 2) % 10]}/tasks`, { title: `race ${i}` });
    });
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    for (const [i, { owner }] of orgs.entries()) {
      const verified = (await owner.get('/v1/audit/verify')).body;
      expect(verified).toMatchObject({ ok: true, records: counts[i]! + 100 });
      const records = await exported(owner);
      expect(records.map((r) => r.seq)).toEqual(records.map((_, n) => n + 1));
    }
    const { code, stdout } = await suite.deployment.run(['audit', 'verify']);
    expect(stdout).toContain('audit trail verified');
    expect(code).toBe(0);
  });

  it('a checkpoint asked of a server without a signing key is a 503 naming the option to set, not a client error', async () => {
    const { owner } = await newOrg(suite.api, 'nokey');
    const res = await owner.get('/v1/audit/checkpoint');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'unavailable' });
    expect(res.body.error.message).toMatch(/AUDIT_KEY_FILE/);
  });
});
