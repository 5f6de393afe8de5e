// Projects, tasks and comments through the built bundles on each dialect: CRUD, numbering, filters, sorting, cursor
// pages, versions with ETag / If-Match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, errorOf, newMember, newOrg } from '../support/api.js';
import { startTarget } from '../support/api.js';
import { waitFor } from '../support/wait.js';

describe.each(API_TARGETS)('projects, tasks and comments on $name', (target) => {
  let server: ApiServer;
  let owner: Client;

  beforeAll(async () => {
    server = await startTarget(target);
    ({ owner } = await newOrg(server.client));
  });
  afterAll(async () => {
    await server?.stop();
  });

  let keys = 0;
  async function newProject(client = owner): Promise<string> {
    const key = `P${String.fromCharCode(65 + Math.floor(keys / 26), 65 + (keys++ % 26))}`;
    const res = await client.post('/v1/projects', { name: `Project ${key}`, key });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    return res.body.id;
  }

  /** Waits until this machine's clock (the server's too) is past `iso`, so a new stamp must be later. */
  async function clockPast(iso: string): Promise<void> {
    await waitFor(`this machine's clock past ${iso}`, () => Date.now() > Date.parse(iso), 5000, 1);
  }

  async function allPages(route: string, client = owner): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const sep = route.includes('?') ? '&' : '?';
      const res: { status: number; body: any } = await client.get(cursor ? `${route}${sep}cursor=${encodeURIComponent(cursor)}` : route);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  describe('projects', () => {
    it('creates, reads, lists by key, renames, archives and deletes', async () => {
      const created = await owner.post('/v1/projects', { name: 'Zeta', key: 'ZETA' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ key: 'ZETA', name: 'Zeta', archived: false });
      const id = created.body.id;
      expect((await owner.get(`/v1/projects/${id}`)).body).toEqual(created.body);

      const patched = await owner.patch(`/v1/projects/${id}`, { name: 'Zeta 2', archived: true });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ name: 'Zeta 2', archived: true, key: 'ZETA' });

      const archived = await owner.post(`/v1/projects/${id}/tasks`, { title: 'too late' });
      expect(archived.status).toBe(409);
      expect(errorOf(archived).message).toMatch(/archived/);

      const keysListed = (await allPages('/v1/projects?limit=2')).map((p) => p.key);
      expect(keysListed).toEqual([...keysListed].sort());
      expect(keysListed).toContain('ZETA');

      expect((await owner.delete(`/v1/projects/${id}`)).status).toBe(204);
      expect((await owner.get(`/v1/projects/${id}`)).status).toBe(404);
      expect((await owner.delete(`/v1/projects/${id}`)).status).toBe(404);
    });

    it('refuses a bad key with 400 and a taken key with 409, on create and on rename', async () => {
      for (const key of ['A', 'abc', 'ABCDEFGHIJK', 'AB1']) {
        const res = await owner.post('/v1/projects', { name: 'x', key });
        expect(res.status, key).toBe(400);
        expect(errorOf(res).details).toEqual([expect.objectContaining({ field: 'body.key' })]);
      }
      await owner.post('/v1/projects', { name: 'Taken', key: 'TAKEN' });
      const dup = await owner.post('/v1/projects', { name: 'Again', key: 'TAKEN' });
      expect(dup.status).toBe(409);
      expect(errorOf(dup).details).toEqual([{ field: 'body.key', message: 'is already taken' }]);
      const other = await owner.post('/v1/projects', { name: 'Other', key: 'OTHER' });
      expect((await owner.patch(`/v1/projects/${other.body.id}`, { key: 'TAKEN' })).status).toBe(409);
      expect((await owner.get(`/v1/projects/${other.body.id}`)).body.key).toBe('OTHER');
    });
  });

  describe('tasks', () => {
    it('creates numbered tasks with defaults and version 1, and reads one with its ETag', async () => {
      const project = await newProject();
      const { member } = await newMember(owner, 'member');
      const a = await owner.post(`/v1/projects/${project}/tasks`, { title: 'First' });
      const b = await owner.post(`/v1/projects/${project}/tasks`, {
        title: 'Second',
        description: 'ünïcødé ✓ 🚀',
        status: 'in_progress',
        priority: 'urgent',
        assigneeId: member.id,
        labels: ['bug', 'ui'],
        dueAt: '2031-02-03T04:05:06.789+02:00',
      });
      expect(a.status).toBe(201);
      // One database node: every read is the primary's, so a write hands out no consistency token (and saves the round
      // trip reading its WAL position); test/scaling covers the token with replicas.
      expect(a.headers.get('x-consistency-token')).toBeNull();
      expect(a.body).toMatchObject({ number: 1, version: 1, status: 'todo', priority: 'normal', labels: [], assigneeId: null, dueAt: null, description: null });
      expect(b.body).toMatchObject({
        number: 2,
        version: 1,
        description: 'ünïcødé ✓ 🚀',
        assigneeId: member.id,
        labels: ['bug', 'ui'],
        dueAt: '2031-02-03T02:05:06.789Z',
      });

      const got = await owner.get(`/v1/tasks/${b.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(b.body);
      expect(got.headers.get('etag')).toBe('"1"');
      expect((await owner.get(`/v1/tasks/${b.body.id}`, { headers: { 'if-none-match': '"1"' } })).status).toBe(304);
    });

    it('refuses an assignee who is not a member of the organization', async () => {
      const project = await newProject();
      const stranger = (await newOrg(server.client)).user.id;
      const res = await owner.post(`/v1/projects/${project}/tasks`, { title: 'x', assigneeId: stranger });
      expect(res.status).toBe(400);
      expect(errorOf(res).details).toEqual([{ field: 'body.assigneeId', message: 'is not a member of this organization' }]);
      expect(await allPages(`/v1/projects/${project}/tasks`)).toEqual([]);
    });

    it('PATCH bumps the version; If-Match with a stale version is a 412 that changes nothing', async () => {
      const project = await newProject();
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'Versioned', labels: ['a'] })).body;
      await clockPast(task.updatedAt);

      const first = await owner.patch(`/v1/tasks/${task.id}`, { status: 'done', labels: ['b'] }, { headers: { 'if-match': '"1"' } });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ version: 2, status: 'done', labels: ['b'], title: 'Versioned' });
      expect(first.headers.get('etag')).toBe('"2"');
      expect(Date.parse(first.body.updatedAt)).toBeGreaterThan(Date.parse(task.updatedAt));
      expect(first.body.createdAt).toBe(task.createdAt);

      const stale = await owner.patch(`/v1/tasks/${task.id}`, { title: 'Lost' }, { headers: { 'if-match': '"1"' } });
      expect(stale.status).toBe(412);
      expect(errorOf(stale)).toMatchObject({ code: 'precondition_failed', details: { currentVersion: 2 } });
      expect((await owner.get(`/v1/tasks/${task.id}`)).body).toMatchObject({ title: 'Versioned', version: 2 });

      // Without If-Match the write is unconditional; `*` matches any version.
      expect((await owner.patch(`/v1/tasks/${task.id}`, { priority: 'low' })).body.version).toBe(3);
      expect((await owner.patch(`/v1/tasks/${task.id}`, { description: null }, { headers: { 'if-match': '*' } })).body.version).toBe(4);

      // The label index follows the labels.
      expect((await allPages(`/v1/projects/${project}/tasks?label=a`)).length).toBe(0);
      expect((await allPages(`/v1/projects/${project}/tasks?label=b`)).map((t) => t.id)).toEqual([task.id]);

      expect((await owner.delete(`/v1/tasks/${task.id}`, { headers: { 'if-match': '"3"' } })).status).toBe(412);
      expect((await owner.delete(`/v1/tasks/${task.id}`, { headers: { 'if-match': '"4"' } })).status).toBe(204);
      expect((await owner.get(`/v1/tasks/${task.id}`)).status).toBe(404);
    });

    it('of concurrent conditional updates on one version, exactly one wins', async () => {
      const project = await newProject();
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'Race' })).body;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => owner.patch(`/v1/tasks/${task.id}`, { title: `Race ${i}` }, { headers: { 'if-match': '"1"' } })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(9);
      const winner = results.find((r) => r.status === 200)!.body;
      expect((await owner.get(`/v1/tasks/${task.id}`)).body).toMatchObject({ version: 2, title: winner.title });
    });

    it('concurrent label changes without If-Match leave the label filter in step with the labels', async () => {
      const project = await newProject();
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'Relabelled', labels: ['start'] })).body;
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => owner.patch(`/v1/tasks/${task.id}`, { labels: [`l${i}`] })));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      const final = (await owner.get(`/v1/tasks/${task.id}`)).body;
      expect(final.version).toBe(9);
      for (const label of ['start', ...Array.from({ length: 8 }, (_, i) => `l${i}`)]) {
        const found = (await allPages(`/v1/projects/${project}/tasks?label=${label}`)).map((t) => t.id);
        expect(found, label).toEqual(final.labels.includes(label) ? [task.id] : []);
      }
      // And the task can take any of those labels again.
      expect((await owner.patch(`/v1/tasks/${task.id}`, { labels: ['l0', 'l1', 'start'] })).status).toBe(200);
    });

    it('If-Match: * succeeds for every one of concurrent writers, each on the version it found', async () => {
      const project = await newProject();
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'Star' })).body;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => owner.patch(`/v1/tasks/${task.id}`, { title: `Star ${i}` }, { headers: { 'if-match': '*' } })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
      expect(results.map((r) => r.body.version).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    });

    it('updatedAt follows the order in which concurrent changes commit', async () => {
      const project = await newProject();
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'Stamped' })).body;
      await clockPast(task.updatedAt);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => owner.patch(`/v1/tasks/${task.id}`, { priority: i % 2 ? 'high' : 'low' })));
      const byVersion = results.map((r) => r.body).sort((a, b) => a.version - b.version);
      expect(Date.parse(byVersion[0].updatedAt)).toBeGreaterThan(Date.parse(task.updatedAt));
      for (let i = 1; i < byVersion.length; i++) expect(Date.parse(byVersion[i].updatedAt)).toBeGreaterThanOrEqual(Date.parse(byVersion[i - 1].updatedAt));
    });

    describe('listing', () => {
      let project: string;
      let alice: string;
      const made: any[] = [];

      beforeAll(async () => {
        project = await newProject();
        alice = (await newMember(owner, 'member')).member.id;
        const specs = [
          { title: 'Login page broken', status: 'todo', labels: ['bug', 'ui'], assigneeId: alice },
          { title: 'Add LOGIN with SSO', status: 'in_progress', labels: ['feature'] },
          { title: 'Write docs', status: 'done', labels: ['docs'], assigneeId: alice },
          { title: '100% coverage_goal', status: 'todo', labels: ['bug'] },
          { title: 'Ünïcode title', status: 'canceled', labels: [] },
        ];
        // Each made after the last one's stamp, so creation order is a strict order of createdAt (in-process the
        // server answers within the millisecond, and ties are broken by id).
        for (const s of specs) {
          made.push((await owner.post(`/v1/projects/${project}/tasks`, s)).body);
          await clockPast(made.at(-1).createdAt);
        }
      });

      const numbers = (items: any[]) => items.map((t) => t.number);

      it('filters by status (one or several), assignee, label and a case-insensitive title search', async () => {
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?status=todo`))).toEqual([1, 4]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?status=todo&status=done`))).toEqual([1, 3, 4]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?assigneeId=${alice}`))).toEqual([1, 3]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?label=bug`))).toEqual([1, 4]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?q=login`))).toEqual([1, 2]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?q=LOGIN&label=feature`))).toEqual([2]);
        // LIKE wildcards in the search are literal characters.
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?q=${encodeURIComponent('100%')}`))).toEqual([4]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?q=${encodeURIComponent('e_g')}`))).toEqual([4]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?q=%25`))).toEqual([4]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?q=ünï`))).toEqual([5]);
      });

      it('sorts by number, creation and update time, either way', async () => {
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?sort=-number`))).toEqual([5, 4, 3, 2, 1]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?sort=createdAt&limit=2`))).toEqual([1, 2, 3, 4, 5]);
        expect(numbers(await allPages(`/v1/projects/${project}/tasks?sort=-createdAt&limit=2`))).toEqual([5, 4, 3, 2, 1]);
        const touched = made[1];
        await owner.patch(`/v1/tasks/${touched.id}`, { priority: 'high' });
        const byUpdate = numbers(await allPages(`/v1/projects/${project}/tasks?sort=-updatedAt&limit=3`));
        expect(byUpdate[0]).toBe(2);
        expect([...byUpdate].sort()).toEqual([1, 2, 3, 4, 5]);
      });

      it('refuses a limit over 100, an unknown sort or filter, and a cursor from another sort order', async () => {
        for (const query of ['limit=101', 'limit=0', 'sort=title', 'status=open', 'colour=red']) {
          const res = await owner.get(`/v1/projects/${project}/tasks?${query}`);
          expect(res.status, query).toBe(400);
          expect(errorOf(res).code).toBe('validation_failed');
        }
        const first = await owner.get(`/v1/projects/${project}/tasks?limit=1&sort=number`);
        const mixed = await owner.get(`/v1/projects/${project}/tasks?sort=-createdAt&cursor=${first.body.nextCursor}`);
        expect(mixed.status).toBe(400);
        expect(errorOf(mixed).message).toMatch(/cursor/);
        expect((await owner.get(`/v1/projects/${project}/tasks?cursor=garbage`)).status).toBe(400);
      });
    });

    it('pages stay stable while tasks are inserted: nothing twice, nothing listed skipped', async () => {
      const project = await newProject();
      for (let i = 0; i < 7; i++) await owner.post(`/v1/projects/${project}/tasks`, { title: `t${i}` });
      for (const sort of ['number', '-number', 'createdAt', '-createdAt', 'updatedAt']) {
        const before = (await allPages(`/v1/projects/${project}/tasks?limit=100`)).map((t) => t.number);
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const res: any = await owner.get(`/v1/projects/${project}/tasks?sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
          seen.push(...res.body.items.map((t: any) => t.number));
          cursor = res.body.nextCursor;
          // Another client adds a task between every two pages.
          await owner.post(`/v1/projects/${project}/tasks`, { title: `during ${sort}` });
        } while (cursor);
        expect(new Set(seen).size, `${sort}: ${seen}`).toBe(seen.length);
        for (const n of before) expect(seen, `${sort}: task ${n}`).toContain(n);
      }
    });
  });

  describe('comments', () => {
    it('adds comments and pages them oldest first', async () => {
      const project = await newProject();
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'Discussed' })).body;
      // Listings page by (createdAt, id) and createdAt is in milliseconds: ids are UUIDv7, which sort as they were made
      // within a millisecond too (test/unit/new-id.test.ts), tasks' and comments' alike.
      const TIME_ORDERED = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      expect(task.id).toMatch(TIME_ORDERED);
      const me = (await owner.get('/v1/me')).body.user.id;
      for (let i = 0; i < 5; i++) {
        const res = await owner.post(`/v1/tasks/${task.id}/comments`, { body: `comment ${i} ✓` });
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ taskId: task.id, authorId: me, body: `comment ${i} ✓` });
        expect(res.body.id).toMatch(TIME_ORDERED);
      }
      expect((await allPages(`/v1/tasks/${task.id}/comments?limit=2`)).map((c) => c.body)).toEqual([0, 1, 2, 3, 4].map((i) => `comment ${i} ✓`));
      const empty = await owner.post(`/v1/tasks/${task.id}/comments`, { body: '' });
      expect(empty.status).toBe(400);
      // Comments racing the task's deletion are either kept (before it) or refused with a 404, never a 409 or 500;
      // the deletion takes the comments with it.
      const racing = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => owner.post(`/v1/tasks/${task.id}/comments`, { body: `late ${i}` })),
        owner.delete(`/v1/tasks/${task.id}`),
        ...Array.from({ length: 10 }, (_, i) => owner.post(`/v1/tasks/${task.id}/comments`, { body: `later ${i}` })),
      ]);
      expect(racing[10]!.status).toBe(204);
      for (const r of [...racing.slice(0, 10), ...racing.slice(11)]) expect([201, 404]).toContain(r.status);
      expect((await owner.get(`/v1/tasks/${task.id}/comments`)).status).toBe(404);
    });
  });
});
