// Hostile requests, property-based (fast-check), on every route of the server on both dialects side by side (and of the prod bundle through PgBouncer in the system tier): wrong types, huge and
// deeply nested bodies, many keys, invalid UTF-8, injection strings, malformed ids, cursors, tokens and headers. Never
// a 5xx, never a crash; every refusal is the error envelope and stays small; a refused write changes nothing; and
// SQLite without modules and PostgreSQL with every module give the same status and error code to the same request; and every
// answer is one the server's OpenAPI document declares for the operation (status, content type, schema).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, Client, newMember, newOrg, startTarget, type Reply } from '../support/api.js';
import { DocumentConformance } from '../support/openapi-conformance.js';

const RUNS = Number(process.env.FC_RUNS ?? 40);
/** No refusal needs more than this; a larger one means the answer grows with the question. */
const MAX_ERROR_BYTES = 4096;

interface Target {
  name: string;
  server: ApiServer;
  owner: Client;
  documented: DocumentConformance;
  ids: Record<'project' | 'task' | 'member' | 'token' | 'foreignTask', string>;
}

const ROUTES: Array<{ method: string; path: string; body?: boolean }> = [
  { method: 'POST', path: '/v1/signup', body: true },
  { method: 'GET', path: '/v1/me' },
  { method: 'POST', path: '/v1/members', body: true },
  { method: 'GET', path: '/v1/members' },
  { method: 'PATCH', path: '/v1/members/:member', body: true },
  { method: 'DELETE', path: '/v1/members/:member' },
  { method: 'POST', path: '/v1/tokens', body: true },
  { method: 'GET', path: '/v1/tokens' },
  { method: 'DELETE', path: '/v1/tokens/:token' },
  { method: 'POST', path: '/v1/projects', body: true },
  { method: 'GET', path: '/v1/projects' },
  { method: 'GET', path: '/v1/projects/:project' },
  { method: 'PATCH', path: '/v1/projects/:project', body: true },
  { method: 'DELETE', path: '/v1/projects/:project' },
  { method: 'POST', path: '/v1/projects/:project/tasks', body: true },
  { method: 'GET', path: '/v1/projects/:project/tasks' },
  { method: 'GET', path: '/v1/tasks/:task' },
  { method: 'PATCH', path: '/v1/tasks/:task', body: true },
  { method: 'DELETE', path: '/v1/tasks/:task' },
  { method: 'POST', path: '/v1/tasks/:task/comments', body: true },
  { method: 'GET', path: '/v1/tasks/:task/comments' },
];

const injection = fc.constantFrom(
  "' OR '1'='1",
  "'; DROP TABLE tasks; --",
  '" OR ""="',
  '%_\\',
  '$1',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\u0000',
  '\ud800',
  'A'.repeat(5000),
  '🚀'.repeat(100),
  '\u202e',
  'NaN',
  '-0',
  '1e309',
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), injection);
const value: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A JSON body as text: often an object with the routes' own field names holding wrong values, sometimes monstrous. */
const jsonBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .dictionary(
        fc.oneof(
          fc.constantFrom(
            'title',
            'name',
            'key',
            'role',
            'email',
            'body',
            'labels',
            'status',
            'org',
            'user',
            'expiresAt',
            'dueAt',
            'assigneeId',
            '__proto__',
            'constructor',
          ),
          text,
        ),
        value,
        { maxKeys: 6 },
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 60_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 100_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 50_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 900_000 }).map((n) => JSON.stringify({ title: 'x'.repeat(n), name: 'n', key: 'KEY', body: 'b' })) },
);

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong slash, a surrogate half, 0xFF) inside a JSON string. */
const invalidUtf8 = fc
  .constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82])
  .map((bad) =>
    Buffer.concat([
      Buffer.from('{"title": "a'),
      Buffer.from(bad),
      Buffer.from('b", "name": "x'),
      Buffer.from(bad),
      Buffer.from('", "key": "KEY", "body": "c"}'),
    ]),
  );

const malformedId = fc.oneof(
  fc.constantFrom(
    '',
    'x',
    '0',
    '-1',
    'null',
    '00000000-0000-0000-0000-000000000000',
    '00000000-0000-4000-8000-00000000000',
    '%00',
    '%2e%2e',
    '..',
    'a'.repeat(1000),
    "1' OR '1'='1",
    '%ZZ',
    '%E0%A4%A',
    '%F0%9F%9A%80',
  ),
  fc.uuid(),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

const headerText = fc.string({ unit: fc.constantFrom(...'abcXYZ019 "*/,;=_-+!~'.split('')), maxLength: 60 });
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant('real'),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    `Bearer fs_${'A'.repeat(43)}`,
    `Bearer fs_${'A'.repeat(4000)}`,
    "Bearer fs_' OR 1=1 --",
    'bearer  fs_x',
  ),
  headerText.map((t) => `Bearer ${t}`),
);
const query = fc.array(
  fc.tuple(
    fc.constantFrom('limit', 'cursor', 'status', 'sort', 'q', 'label', 'assigneeId', 'x'),
    fc.oneof(
      text,
      fc.integer().map(String),
      fc.constantFrom('eyJzIjoia2V5IiwidiI6IkFcdTAwMDAiLCJpZCI6IngifQ', 'eyJ9', '%00', '%FF', '%C0%AF', '%ED%A0%80', '%'),
    ),
  ),
  { maxLength: 3 },
);

interface HostileRequest {
  route: (typeof ROUTES)[number];
  ids: Partial<Record<string, string>>;
  body: string | Buffer | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  query: Array<[string, string]>;
  headers: Record<string, string>;
}

const request: fc.Arbitrary<HostileRequest> = fc.record({
  route: fc.constantFrom(...ROUTES),
  // Per placeholder: the target's real id (substituted per server), another organization's, or a malformed one.
  ids: fc.record({
    project: fc.oneof(fc.constant('real'), malformedId),
    task: fc.oneof(fc.constant('real'), fc.constant('foreign'), malformedId),
    member: fc.oneof(fc.constant('real'), malformedId),
    token: fc.oneof(fc.constant('real'), malformedId),
  }),
  body: fc.oneof({ weight: 5, arbitrary: jsonBody }, { weight: 1, arbitrary: invalidUtf8 }, { weight: 1, arbitrary: fc.constant(undefined) }),
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/json; charset=latin1',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json;;;',
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
  authorization,
  query,
  headers: fc.record({ 'if-match': headerText, 'if-none-match': headerText, 'x-request-id': headerText, accept: headerText }, { requiredKeys: [] }),
});

function urlOf(req: HostileRequest, t: Target): string {
  let path = req.route.path;
  for (const [name, choice] of Object.entries(req.ids)) {
    const id = choice === 'real' ? t.ids[name as 'project'] : choice === 'foreign' ? t.ids.foreignTask : choice;
    path = path.replace(`:${name}`, id ?? '');
  }
  // Values starting with `%` go as they are (raw, perhaps invalid, percent-encoding); the rest byte by byte, so even a
  // lone surrogate travels (as the UTF-8 replacement character, which is what its bytes become).
  const pct = (v: string) => (v.startsWith('%') ? v : [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
  const qs = req.query.map(([k, v]) => `${k}=${pct(v)}`).join('&');
  return qs ? `${path}?${qs}` : path;
}

async function send(req: HostileRequest, t: Target): Promise<Reply> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.contentType && req.body !== undefined) headers['content-type'] = req.contentType;
  if (req.authorization === 'real') headers.authorization = `Bearer ${(t.owner as unknown as { token: string }).token}`;
  else if (req.authorization !== undefined) headers.authorization = req.authorization;
  return t.server.client.call(req.route.method, urlOf(req, t), {
    headers,
    ...(req.route.body && req.body !== undefined ? { rawBody: req.body } : {}),
    timeoutMs: 30_000,
  });
}

/** Everything a write could have touched, token use times aside. */
async function state(t: Target): Promise<string> {
  const pages = await Promise.all(
    [
      '/v1/projects?limit=100',
      `/v1/projects/${t.ids.project}/tasks?limit=100`,
      `/v1/tasks/${t.ids.task}/comments?limit=100`,
      '/v1/members?limit=100',
      '/v1/tokens?limit=100',
    ].map((p) => t.owner.get(p)),
  );
  return JSON.stringify(
    pages.map((p) => p.body),
    (k, v) => (k === 'lastUsedAt' ? undefined : v),
  );
}

describe('hostile requests on every route, both dialects side by side', () => {
  const targets: Target[] = [];

  beforeAll(async () => {
    for (const target of API_TARGETS) {
      const server = await startTarget(target);
      const api = server.client;
      const { owner } = await newOrg(api, 'hostile');
      const project = (await owner.post('/v1/projects', { name: 'Hostile', key: 'HOST' })).body.id;
      const task = (await owner.post(`/v1/projects/${project}/tasks`, { title: 'target' })).body.id;
      const member = (await newMember(owner, 'member')).member.id;
      const token = (await owner.post('/v1/tokens', { name: 'spare' })).body.id;
      const other = await newOrg(api, 'foreign');
      const foreignProject = (await other.owner.post('/v1/projects', { name: 'F', key: 'F' })).body.id;
      const foreignTask = (await other.owner.post(`/v1/projects/${foreignProject}/tasks`, { title: 'theirs' })).body.id;
      const documented = new DocumentConformance((await api.get('/v1/openapi.json')).body);
      targets.push({ name: target.name, server, owner, documented, ids: { project, task, member, token, foreignTask } });
    }
  });
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.server.stop()));
  });

  it(
    'never a 5xx or a crash; small error envelopes; refusals write nothing; the same answer on both dialects',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          const answers: Array<{ status: number; code: string | undefined }> = [];
          for (const t of targets) {
            const write = req.route.method !== 'GET';
            const before = write ? await state(t) : undefined;
            const res = await send(req, t);
            const shown = `${t.name}: ${req.route.method} ${urlOf(req, t).slice(0, 200)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
            expect(res.status, shown).toBeLessThan(500);
            expect(t.documented.problems(res), shown).toEqual([]);
            let code: string | undefined;
            if (res.status >= 400) {
              const raw = JSON.stringify(res.body);
              expect(Buffer.byteLength(raw), shown).toBeLessThanOrEqual(MAX_ERROR_BYTES);
              const e = (res.body as { error?: { code?: unknown; message?: unknown } }).error;
              expect(typeof e?.code === 'string' && typeof e.message === 'string', shown).toBe(true);
              code = e!.code as string;
              if (write) expect(await state(t), `${shown}: a refused request changed the data`).toBe(before);
            }
            answers.push({ status: res.status, code });
          }
          if (answers.length === 2) expect(answers[1], `${req.route.method} ${req.route.path}: dialects disagree`).toEqual(answers[0]);
        }),
        { numRuns: RUNS },
      );
      for (const t of targets) {
        expect((await t.server.client.get('/healthz')).status, t.server.output.slice(-10).join('\n')).toBe(200);
      }
      // A longer hunt (FC_RUNS) gets the time it needs.
    },
    Math.max(60_000, RUNS * 400),
  );
});
