// A sample consumer suite, as another project would write it: node:test, plain JavaScript, and nothing of flagship but
// dist/dev/testing.mjs (FLAGSHIP_TESTING_MJS names the copy to use). test/consumer/consumer.test.ts runs it twice at
// once: both seed the same organization slug, so a server shared between them would fail the second seed with a 409,
// and each checks it sees exactly its own data.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

const { startFlagship } = await import(process.env.FLAGSHIP_TESTING_MJS ?? new URL('../../dist/dev/testing.mjs', import.meta.url).href);
const marker = process.env.SUITE_MARKER ?? `suite-${process.pid}`;

const seed = {
  org: { name: 'Acme', slug: 'acme' },
  members: [
    { email: 'ann@acme.example', name: 'Ann', role: 'owner' },
    { email: 'vic@acme.example', name: 'Vic', role: 'viewer', tokens: [{ name: 'short-lived', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }] },
  ],
  projects: [{ name: 'Website', key: 'WEB', tasks: [{ title: 'Login fails', labels: ['bug'] }, { title: 'Dark mode' }] }],
};

describe(`a consumer suite (${marker})`, () => {
  let flagship;
  const api = async (token, method, route, body) => {
    const res = await fetch(`${flagship.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  const taskTitles = async () => {
    const { body } = await api(flagship.tokens['ann@acme.example'], 'GET', `/v1/projects/${flagship.seeded.projects.WEB.id}/tasks`);
    return body.items.map((t) => t.title);
  };

  before(async () => {
    flagship = await startFlagship({ seed });
  });
  after(() => flagship?.stop());
  beforeEach(() => flagship.reset());

  it('writes a task and reads back exactly its own data', async () => {
    const created = await api(flagship.tokens['ann@acme.example'], 'POST', `/v1/projects/${flagship.seeded.projects.WEB.id}/tasks`, { title: marker });
    assert.equal(created.status, 201);
    assert.equal(created.body.number, 3);
    assert.deepEqual(await taskTitles(), ['Login fails', 'Dark mode', marker]);
  });

  it('starts each test from the seed again', async () => {
    assert.deepEqual(await taskTitles(), ['Login fails', 'Dark mode']);
    const { body } = await api(flagship.tokens['ann@acme.example'], 'GET', '/v1/projects');
    assert.deepEqual(
      body.items.map((p) => p.key),
      ['WEB'],
    );
  });

  it('honours roles from the seed', async () => {
    const denied = await api(flagship.tokens['vic@acme.example'], 'POST', '/v1/projects', { name: 'Nope', key: 'NOPE' });
    assert.equal(denied.status, 403);
  });

  it('expires a token when the clock moves', async () => {
    const shortLived = flagship.seeded.members['vic@acme.example'].tokens['short-lived'];
    assert.equal((await api(shortLived, 'GET', '/v1/me')).status, 200);
    await flagship.clock.advance(2 * 3_600_000);
    assert.equal((await api(shortLived, 'GET', '/v1/me')).status, 401);
  });
});
