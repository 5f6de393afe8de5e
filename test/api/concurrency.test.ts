// Task numbers under concurrent creates: 100 requests at once in one project get 1..100, no gap, no duplicate, on
// each dialect (Postgres: many pooled connections racing on the project row; SQLite: the single writer).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, newOrg, startTarget } from '../support/api.js';

describe.each(API_TARGETS)('concurrent task creation on $name', (target) => {
  let server: ApiServer;
  let owner: Client;

  beforeAll(async () => {
    server = await startTarget(target);
    ({ owner } = await newOrg(server.client));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('numbers 100 concurrent creates 1..100 with no gaps and no duplicates', async () => {
    const project = (await owner.post('/v1/projects', { name: 'Busy', key: 'BUSY' })).body.id;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => owner.post(`/v1/projects/${project}/tasks`, { title: `task ${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));
    const numbers = results.map((r) => r.body.number as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));

    // The next one continues the sequence, and the listing agrees with what the creators were told.
    expect((await owner.post(`/v1/projects/${project}/tasks`, { title: 'after' })).body.number).toBe(101);
    const listed = (await owner.get(`/v1/projects/${project}/tasks?limit=100&sort=number`)).body.items.map((t: { number: number; id: string }) => [
      t.number,
      t.id,
    ]);
    const told = new Map(results.map((r) => [r.body.number, r.body.id]));
    for (const [n, id] of listed) expect(told.get(n)).toBe(id);

    // Paging by creation time over rows created together: each listed once (equal stamps are forced in
    // test/domain/task-list.test.ts; here the requests decide).
    for (const sort of ['createdAt', '-createdAt']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await owner.get(
          `/v1/projects/${project}/tasks?sort=${sort}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.body.items.map((t) => t.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen.length, sort).toBe(101);
      expect(new Set(seen).size, sort).toBe(101);
    }
  });

  it('a refused create (bad assignee) consumes no number, even amid concurrent good ones', async () => {
    const project = (await owner.post('/v1/projects', { name: 'Gaps', key: 'GAPS' })).body.id;
    const stranger = '00000000-0000-4000-8000-000000000000';
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        owner.post(`/v1/projects/${project}/tasks`, i % 2 === 0 ? { title: `ok ${i}` } : { title: `bad ${i}`, assigneeId: stranger }),
      ),
    );
    expect(results.filter((r) => r.status === 400)).toHaveLength(20);
    const numbers = results
      .filter((r) => r.status === 201)
      .map((r) => r.body.number as number)
      .sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
