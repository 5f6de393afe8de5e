// Property-based request bodies (fast-check): whatever a client sends, the server answers with a 2xx or a 4xx in the
// error envelope, never a 500, and nothing the OpenAPI document does not declare; and a refused write leaves every
// listing exactly as it was.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, errorOf, newMember, newOrg, startTarget, type Reply } from '../support/api.js';
import { DocumentConformance } from '../support/openapi-conformance.js';

// FC_RUNS=500 for a longer hunt; the default keeps the suite quick.
const RUNS = Number(process.env.FC_RUNS ?? 60);

/** Strings a client might send: ordinary, empty, huge, NUL, lone surrogates, SQL and LIKE metacharacters. */
const anyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    "'; drop table tasks; --",
    '%_\\',
    'A'.repeat(600),
    '2030-01-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ),
);
/** Any JSON value, biased towards the shapes fields expect. */
const anyValue = fc.oneof(
  anyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyString, { maxLength: 25 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A body with some of `fields` (valid or not) and perhaps stray keys; sometimes not an object at all. */
function bodyOf(fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = []): fc.Arbitrary<unknown> {
  // Mostly well-typed fields and mostly the required ones present, so that many bodies get through validation and
  // reach the database with edge values; the rest probe the validation itself.
  const mixed = Object.fromEntries(
    Object.entries(fields).map(([k, valid]) => [k, fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: anyValue })]),
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.record(mixed, { requiredKeys: required }) },
    { weight: 1, arbitrary: fc.record(mixed, { requiredKeys: [] }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.record(mixed, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 2 }))
        .map(([a, b]) => ({ ...b, ...a })),
    },
    { weight: 1, arbitrary: anyValue },
  );
}

/** Text that has the right shape but is made of awkward characters: NUL, a lone surrogate, quotes, wildcards. */
const tricky = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '\u0000', '\ud800', '%', '_', '\\', "'", 'é', '🚀', '\n'), minLength: 1, maxLength });
const title = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) }, { weight: 1, arbitrary: tricky(40) });
const label = fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[a-z]{1,8}$/) }, { weight: 1, arbitrary: tricky(8) });
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** Any instant the date-time format accepts: every 4-digit year, offsets to ±23:59 that can push it out of range. */
const generatedInstant = fc
  .tuple(
    fc.oneof(fc.constantFrom(0, 1, 9999), fc.integer({ min: 0, max: 9999 })),
    fc.oneof(fc.constantFrom(1, 12), fc.integer({ min: 1, max: 12 })),
    fc.oneof(fc.constantFrom(1, 31), fc.integer({ min: 1, max: 28 })),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.constantFrom('Z', '+23:59', '-23:59', '+01:00', '-12:00', '.999Z'),
  )
  .map(([y, mo, d, h, mi, zone]) => `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:59${zone}`);
const instant = fc.oneof(
  generatedInstant,
  fc.constantFrom('9999-12-31T23:59:59.999-23:59', '0000-01-01T00:00:00+01:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-02-29T12:00:00Z'),
);
/** Cursors as a client could forge them: valid base64url JSON of any sort name, value and id. */
const forgedCursor = fc
  .record(
    {
      s: fc.constantFrom('number', '-number', 'createdAt', '-createdAt', 'updatedAt', 'key', 'x'),
      v: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(8.64e15, -8.64e15, 253402300800000, -62135596800001), anyString),
      id: fc.oneof(fc.uuid(), anyString),
    },
    { requiredKeys: [] },
  )
  .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url'));
const futureInstant = fc.date({ min: new Date('2040-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const taskFields = {
  title,
  description: fc.option(fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 50 }) }, { weight: 1, arbitrary: tricky(50) })),
  status: fc.constantFrom('todo', 'in_progress', 'done', 'canceled'),
  priority: fc.constantFrom('low', 'normal', 'high', 'urgent'),
  labels: fc.uniqueArray(label, { maxLength: 5 }),
  dueAt: fc.option(instant),
};

describe.each(API_TARGETS)('request bodies on $name', (target) => {
  let server: ApiServer;
  let owner: Client;
  let project: string;
  let task: string;
  let assignee: string;
  let documented: DocumentConformance;

  /** No 5xx, and the answer is one the document declares for the operation. */
  function conforms(res: Reply): void {
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    expect(documented.problems(res)).toEqual([]);
  }

  /** Everything a write could have touched, as one string (token use times aside: reading moves them). */
  async function state(): Promise<string> {
    const pages = await Promise.all([
      owner.get('/v1/projects?limit=100'),
      owner.get(`/v1/projects/${project}/tasks?limit=100`),
      owner.get(`/v1/tasks/${task}/comments?limit=100`),
      owner.get('/v1/members?limit=100'),
      owner.get('/v1/tokens?limit=100'),
    ]);
    return JSON.stringify(
      pages.map((p) => p.body),
      (k, v) => (k === 'lastUsedAt' ? undefined : v),
    );
  }

  /** Sends, and checks the answer: no 5xx; a refusal is an error envelope and changes nothing. */
  async function check(send: () => Promise<Reply>): Promise<void> {
    const before = await state();
    const res = await send();
    conforms(res);
    if (res.status >= 400) {
      errorOf(res);
      expect(await state()).toBe(before);
    }
  }

  beforeAll(async () => {
    server = await startTarget(target);
    documented = new DocumentConformance((await server.client.get('/v1/openapi.json')).body);
    ({ owner } = await newOrg(server.client));
    project = (await owner.post('/v1/projects', { name: 'Props', key: 'PROPS' })).body.id;
    task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'target' })).body.id;
    assignee = (await newMember(owner, 'member')).member.id;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('POST /v1/projects/:id/tasks', async () => {
    const body = bodyOf(
      {
        ...taskFields,
        assigneeId: fc.oneof({ weight: 4, arbitrary: fc.constant(assignee) }, { weight: 1, arbitrary: fc.constant('00000000-0000-4000-8000-000000000000') }),
      },
      ['title'],
    );
    await fc.assert(
      fc.asyncProperty(body, (b) => check(() => owner.post(`/v1/projects/${project}/tasks`, b))),
      { numRuns: RUNS },
    );
  });

  it('PATCH /v1/tasks/:id, with and without If-Match', async () => {
    const body = bodyOf({ ...taskFields, assigneeId: fc.option(fc.constant(assignee)) });
    const ifMatch = fc.option(fc.oneof(fc.constantFrom('"1"', '*', 'W/"1"', '"999"'), fc.string({ maxLength: 10 })));
    await fc.assert(
      fc.asyncProperty(body, ifMatch, (b, m) => check(() => owner.patch(`/v1/tasks/${task}`, b, m === null ? {} : { headers: { 'if-match': m } }))),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/projects and PATCH /v1/projects/:id', async () => {
    const fields = { name: title, key: fc.stringMatching(/^[A-Z]{2,10}$/), archived: fc.boolean() };
    await fc.assert(
      fc.asyncProperty(bodyOf(fields, ['name', 'key']), (b) => check(() => owner.post('/v1/projects', b))),
      { numRuns: RUNS },
    );
    const scratch = (await owner.post('/v1/projects', { name: 'Scratch', key: 'SCRATCH' })).body.id;
    await fc.assert(
      fc.asyncProperty(bodyOf(fields), (b) => check(() => owner.patch(`/v1/projects/${scratch}`, b))),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/tasks/:id/comments', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf({ body: fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), tricky(100)) }, ['body']), (b) =>
        check(() => owner.post(`/v1/tasks/${task}/comments`, b)),
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/members and POST /v1/tokens', async () => {
    const member = { email: fc.emailAddress(), name: title, role: fc.constantFrom('admin', 'member', 'viewer', 'owner') };
    await fc.assert(
      fc.asyncProperty(bodyOf(member, ['email', 'name', 'role']), (b) => check(() => owner.post('/v1/members', b))),
      { numRuns: RUNS },
    );
    const token = { name: title, expiresAt: fc.option(fc.oneof(futureInstant, instant)) };
    await fc.assert(
      fc.asyncProperty(bodyOf(token, ['name']), (b) => check(() => owner.post('/v1/tokens', b))),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/signup', async () => {
    const signup = {
      org: fc.record({ name: fc.oneof(title, anyValue), slug: fc.oneof(fc.stringMatching(/^[a-z0-9]{1,12}$/), anyValue) }, { requiredKeys: [] }),
      user: fc.record({ email: fc.oneof(fc.emailAddress(), anyValue), name: fc.oneof(title, anyValue) }, { requiredKeys: [] }),
    };
    const anonymous = server.client;
    await fc.assert(
      fc.asyncProperty(bodyOf(signup, ['org', 'user']), async (b) => {
        const res = await anonymous.post('/v1/signup', b);
        conforms(res);
        if (res.status >= 400) errorOf(res);
        // A refused signup leaves its slug free: the same slug with a good body then succeeds.
        const slug = (b as { org?: { slug?: unknown } } | null)?.org?.slug;
        if (res.status === 400 && typeof slug === 'string' && /^[a-z0-9]{1,12}$/.test(slug)) {
          const retry = await anonymous.post('/v1/signup', { org: { name: 'Retry', slug }, user: { email: 'retry@example.com', name: 'R' } });
          expect([201, 409]).toContain(retry.status);
          if (retry.status === 409) expect(errorOf(retry).details).toEqual([{ field: 'body.org.slug', message: 'is already taken' }]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('query strings of the task listing', async () => {
    const param = fc.oneof(
      fc.tuple(fc.constantFrom('status', 'assigneeId', 'label', 'q', 'sort', 'limit', 'cursor', 'x'), fc.oneof(anyString, fc.integer().map(String))),
      fc.tuple(fc.constant('cursor'), forgedCursor),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 4 }), async (params) => {
        const qs = new URLSearchParams(params as Array<[string, string]>).toString();
        const res = await owner.get(`/v1/projects/${project}/tasks?${qs}`);
        expect(res.status, `${qs}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        conforms(res);
        if (res.status >= 400) errorOf(res);
      }),
      { numRuns: RUNS },
    );
  });
});
