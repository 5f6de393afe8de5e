// Signup, who-am-I, members and tokens, through the built bundles on each dialect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, errorOf, newMember, newOrg, startTarget } from '../support/api.js';

describe.each(API_TARGETS)('accounts on $name', (target) => {
  let server: ApiServer;
  let api: Client;

  beforeAll(async () => {
    server = await startTarget(target);
    api = server.client;
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('signup', () => {
    it('creates an organization, its owner and a token that works and is never shown again', async () => {
      const res = await api.post('/v1/signup', { org: { name: 'Acme Inc', slug: 'acme' }, user: { email: 'Ann@Example.com', name: 'Ann' } });
      expect(res.status).toBe(201);
      expect(res.body.org).toMatchObject({ slug: 'acme', name: 'Acme Inc', id: expect.any(String) });
      expect(res.body.user).toMatchObject({ email: 'ann@example.com', name: 'Ann', role: 'owner' });
      expect(res.body.token).toMatch(/^fs_[A-Za-z0-9_-]{43}$/);

      const me = await api.as(res.body.token).get('/v1/me');
      expect(me.status).toBe(200);
      expect(me.body.org.id).toBe(res.body.org.id);
      expect(me.body.user.id).toBe(res.body.user.id);
      expect(me.body.token).toMatchObject({ name: 'signup', memberId: res.body.user.id, revokedAt: null });
      expect(JSON.stringify(me.body)).not.toContain(res.body.token);
    });

    it('logs who made each authenticated request, with its request id, and never the token', async () => {
      const { owner, user } = await newOrg(api);
      const res = await owner.get('/v1/me', { headers: { 'x-request-id': 'trace-me-1' } });
      expect(res.headers.get('x-request-id')).toBe('trace-me-1');
      await expect.poll(() => server.output.filter((l) => l.includes('"reqId":"trace-me-1"') && l.includes('request completed')).length).toBe(1);
      const done = JSON.parse(server.output.find((l) => l.includes('"reqId":"trace-me-1"') && l.includes('request completed'))!);
      expect(done).toMatchObject({ memberId: user.id, res: { statusCode: 200 } });
      expect(server.output.join('\n')).not.toContain(owner.token!);
    });

    it('refuses a taken slug with 409 naming the field', async () => {
      const body = { org: { name: 'Twice', slug: 'twice' }, user: { email: 'a@twice.example', name: 'A' } };
      expect((await api.post('/v1/signup', body)).status).toBe(201);
      const again = await api.post('/v1/signup', { ...body, user: { email: 'b@twice.example', name: 'B' } });
      expect(again.status).toBe(409);
      expect(errorOf(again)).toMatchObject({ code: 'conflict', details: [{ field: 'body.org.slug' }] });
    });

    it('refuses a bad body with 400 naming the first bad field (validation stops there)', async () => {
      const res = await api.post('/v1/signup', { org: { name: '', slug: 'Not A Slug' }, user: { email: 'nope', name: 'x' } });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([{ field: 'body.org.name', message: expect.any(String) }]);
    });

    it('answers a body of about 110 000 unknown keys (just under the 1 MiB default limit) with one short error', async () => {
      const known = { org: { name: 'Keys', slug: 'many-keys' }, user: { email: 'k@keys.example', name: 'K' } };
      const extra: string[] = [];
      let size = JSON.stringify(known).length;
      for (let i = 0; size < 1_000_000; i++) {
        const entry = `"${i.toString(36)}":0`;
        extra.push(entry);
        size += entry.length + 1;
      }
      const raw = `${JSON.stringify(known).slice(0, -1)},${extra.join(',')}}`;
      const res = await api.call('POST', '/v1/signup', { rawBody: raw, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      // Every error collected would be an answer of several MB; validation stops at the first.
      expect(errorOf(res).details).toEqual([{ field: 'body.0', message: 'is not a known field' }]);
      expect(JSON.stringify(res.body).length).toBeLessThan(1000);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no header', undefined, /Authorization: Bearer/],
      ['another scheme', 'Basic dXNlcjpwYXNz', /must be `Bearer <token>`/],
      ['a malformed token', 'Bearer not-a-token', /malformed/],
      ['an unknown token', `Bearer fs_${'A'.repeat(43)}`, /not known/],
    ])('refuses %s with 401 and a WWW-Authenticate challenge', async (_what, header, message) => {
      const res = await api.get('/v1/me', { headers: header === undefined ? {} : { authorization: header } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(errorOf(res)).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(message) });
    });
  });

  describe('members', () => {
    it('adds members with a working token each, lists them, changes a role', async () => {
      const { owner, user } = await newOrg(api);
      const { client: viewer, member } = await newMember(owner, 'viewer');
      expect(member.role).toBe('viewer');
      expect((await viewer.get('/v1/me')).body.user.id).toBe(member.id);

      const list = await owner.get('/v1/members');
      expect(list.status).toBe(200);
      expect(list.body.items.map((m: { id: string }) => m.id)).toEqual([user.id, member.id]);

      const changed = await owner.patch(`/v1/members/${member.id}`, { role: 'admin' });
      expect(changed.status).toBe(200);
      expect(changed.body.role).toBe('admin');
      // The new role takes effect on the next request: an admin may add members.
      expect((await viewer.post('/v1/members', { email: 'c@example.com', name: 'C', role: 'member' })).status).toBe(201);
    });

    it('refuses a second member with the same email (case-insensitively) with 409', async () => {
      const { owner } = await newOrg(api);
      expect((await owner.post('/v1/members', { email: 'dup@example.com', name: 'D', role: 'member' })).status).toBe(201);
      const again = await owner.post('/v1/members', { email: 'DUP@example.com', name: 'D2', role: 'viewer' });
      expect(again.status).toBe(409);
      expect(errorOf(again).details).toEqual([{ field: 'body.email', message: 'is already a member' }]);
    });

    it('removing a member stops their tokens at once', async () => {
      const { owner } = await newOrg(api);
      const { client, member } = await newMember(owner, 'member');
      const extra = await client.post('/v1/tokens', { name: 'laptop' });
      expect(extra.status).toBe(201);
      expect((await client.get('/v1/me')).status).toBe(200);

      expect((await owner.delete(`/v1/members/${member.id}`)).status).toBe(204);
      for (const c of [client, client.as(extra.body.token)]) {
        const res = await c.get('/v1/me');
        expect(res.status).toBe(401);
        expect(errorOf(res).message).toMatch(/removed from the organization/);
      }
      expect((await owner.get('/v1/members')).body.items.map((m: { id: string }) => m.id)).not.toContain(member.id);
      expect((await owner.delete(`/v1/members/${member.id}`)).status).toBe(404);
    });

    it('a removed member who is added back starts clean: no token from before works, even one made during removal', async () => {
      const { owner } = await newOrg(api);
      const { client, member } = await newMember(owner, 'member');
      // Token creation racing the removal: whatever got a 201 must not survive it.
      const [removal, ...made] = await Promise.all([
        owner.delete(`/v1/members/${member.id}`),
        ...Array.from({ length: 10 }, (_, i) => client.post('/v1/tokens', { name: `t${i}` })),
      ]);
      expect(removal!.status).toBe(204);
      for (const r of made) expect([201, 401]).toContain(r.status);
      const back = await owner.post('/v1/members', { email: member.email, name: 'Back', role: 'viewer' });
      expect(back.status).toBe(201);
      expect(back.body.member.id).toBe(member.id);
      for (const old of [client, ...made.filter((r) => r.status === 201).map((r) => owner.as(r.body.token))]) {
        expect((await old.get('/v1/me')).status).toBe(401);
      }
      expect((await owner.as(back.body.token).get('/v1/me')).body.user).toMatchObject({ id: member.id, role: 'viewer' });
    });

    it('nobody else can demote or remove the owner', async () => {
      const { owner, user } = await newOrg(api);
      const { client: admin } = await newMember(owner, 'admin');
      for (const res of [await admin.patch(`/v1/members/${user.id}`, { role: 'viewer' }), await admin.delete(`/v1/members/${user.id}`)]) {
        expect(res.status).toBe(409);
        expect(errorOf(res)).toMatchObject({
          code: 'conflict',
          message: expect.stringMatching(/is the owner/),
          details: [{ field: 'params.id', message: 'is the owner' }],
        });
      }
      // Not even the owner can demote themselves and leave the organization without one.
      expect((await owner.patch(`/v1/members/${user.id}`, { role: 'admin' })).status).toBe(409);
      expect((await owner.get('/v1/me')).body.user.role).toBe('owner');
      // "owner" is not a role one can hand out either.
      const res = await admin.post('/v1/members', { email: 'second-owner@example.com', name: 'X', role: 'owner' });
      expect(res.status).toBe(400);
    });
  });

  describe('tokens', () => {
    it('creates, lists and revokes tokens; a revoked one is refused on the next request', async () => {
      const { owner } = await newOrg(api);
      const created = await owner.post('/v1/tokens', { name: 'ci' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'ci', expiresAt: expect.any(String), revokedAt: null, token: expect.stringMatching(/^fs_/) });
      // Tokens expire by default, TOKEN_LIFETIME_DAYS (90) after they are issued.
      const lifetimeDays = (Date.parse(created.body.expiresAt) - Date.now()) / 86_400_000;
      expect(lifetimeDays).toBeGreaterThan(89.9);
      expect(lifetimeDays).toBeLessThanOrEqual(90);
      const ci = owner.as(created.body.token);
      expect((await ci.get('/v1/me')).status).toBe(200);

      const list = await owner.get('/v1/tokens');
      expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(['ci', 'signup']);
      expect(JSON.stringify(list.body)).not.toContain(created.body.token);

      expect((await owner.delete(`/v1/tokens/${created.body.id}`)).status).toBe(204);
      const refused = await ci.get('/v1/me');
      expect(refused.status).toBe(401);
      expect(errorOf(refused).message).toMatch(/revoked/);
      // Idempotent; the owner's own token still works.
      expect((await owner.delete(`/v1/tokens/${created.body.id}`)).status).toBe(204);
      expect((await owner.get('/v1/me')).status).toBe(200);
    });

    it('refuses an expired token, and an expiry in the past at creation', async () => {
      const { owner } = await newOrg(api);
      const past = await owner.post('/v1/tokens', { name: 'old', expiresAt: '2001-01-01T00:00:00Z' });
      expect(past.status).toBe(400);
      expect(errorOf(past).details).toEqual([{ field: 'body.expiresAt', message: 'must be in the future' }]);

      const soon = await owner.post('/v1/tokens', { name: 'short', expiresAt: new Date(server.now().getTime() + 2000).toISOString() });
      expect(soon.status).toBe(201);
      const short = owner.as(soon.body.token);
      expect((await short.get('/v1/me')).status).toBe(200);
      // In-process the server's movable clock moves; a process's clock is the machine's, so that waits.
      await server.passTime(2001);
      const res = await short.get('/v1/me');
      expect(res.status).toBe(401);
      expect(errorOf(res).message).toMatch(/expired/);
    });

    it("cannot see or revoke another member's token", async () => {
      const { owner } = await newOrg(api);
      const { client } = await newMember(owner, 'member');
      const theirs = (await client.get('/v1/tokens')).body.items[0];
      expect((await owner.delete(`/v1/tokens/${theirs.id}`)).status).toBe(404);
      expect((await owner.get('/v1/tokens')).body.items.map((t: { id: string }) => t.id)).not.toContain(theirs.id);
      expect((await client.get('/v1/me')).status).toBe(200);
    });
  });
});
