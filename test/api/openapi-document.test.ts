// The OpenAPI document of each route set (dev: the core; prod: the core with the scaling and enterprise modules), from
// sources: valid by @redocly/cli, with what a generator needs (operation ids, named schemas, typed errors, security,
// headers), formats as the server enforces them, and 405 with Allow on every documented path for a method it lacks.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE } from '../../src/errors.js';
import { ERROR_KINDS } from '../../src/server/openapi/error-schemas.js';
import { IF_MATCH_PATTERN, ifMatch } from '../../src/server/preconditions.js';
import { validatorCompiler } from '../../src/server/validation.js';
import { DocumentConformance } from '../support/openapi-conformance.js';
import { sourceServer, type SourceServer, type SourceVariant } from '../support/app.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const VARIANTS: SourceVariant[] = ['dev', 'prod'];

type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any>; headers: Record<string, unknown>; parameters: Record<string, any> };
  servers?: unknown[];
};
type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: Array<{ name?: string; in?: string; $ref?: string; schema?: any }>;
  requestBody?: { content: Record<string, { schema: any }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: any }> }>;
};

const servers = new Map<SourceVariant, SourceServer>();
const docs = new Map<SourceVariant, Doc>();

beforeAll(async () => {
  for (const variant of VARIANTS) {
    const server = await sourceServer(variant);
    servers.set(variant, server);
    docs.set(variant, (await server.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as Doc);
  }
});
afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

const operations = (doc: Doc) => Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ path: p, method, op })));

it('@redocly/cli lint finds no problem in the document of either route set', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'flagship-openapi-'));
  try {
    const files = [];
    for (const [variant, doc] of docs) {
      const file = path.join(dir, `${variant}.json`);
      await writeFile(file, JSON.stringify(doc, null, 1));
      files.push(file);
    }
    const cli = path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    // One run per file: with several, the CLI prints one JSON report after another.
    const reports = await Promise.all(
      files.map(async (file) => {
        const result = await run(process.execPath, [cli, 'lint', '--format=json', file], { cwd: dir, env }).catch((err: { stdout?: string }) => err);
        const report = JSON.parse(result.stdout || '{}') as {
          totals?: { errors: number; warnings: number };
          problems?: Array<{ ruleId: string; message: string }>;
        };
        return { file: path.basename(file), totals: report.totals, problems: (report.problems ?? []).map((p) => `${p.ruleId}: ${p.message}`) };
      }),
    );
    expect(reports).toEqual(files.map((file) => ({ file: path.basename(file), totals: expect.objectContaining({ errors: 0, warnings: 0 }), problems: [] })));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe.each(VARIANTS)('the %s document', (variant) => {
  const doc = () => docs.get(variant)!;

  it('gives every operation a unique operationId and its own security; signup needs none', () => {
    const ids = operations(doc()).map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['signup', 'getMe', 'listProjectTasks', 'createProjectTask', 'getTask', 'updateTask', 'deleteTask']));
    if (variant === 'prod') expect(ids).toEqual(expect.arrayContaining(['listRoles', 'replaceMemberGrants', 'listAudit', 'exportAudit', 'listAdminPools']));
    expect(doc().paths['/v1/signup']!.post!.security).toEqual([]);
    for (const { path: p, op } of operations(doc()).filter(({ path: p }) => p !== '/v1/signup')) expect(op.security, p).toEqual([{ bearerAuth: [] }]);
    expect(doc().servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('names every resource, page and error envelope as a component, and the operations refer to them', () => {
    const names = Object.keys(doc().components.schemas);
    const core = ['Task', 'TaskPage', 'TaskInput', 'TaskPatch', 'Project', 'ProjectPage', 'Member', 'MemberPage', 'Token', 'TokenPage', 'IssuedToken'];
    expect(names).toEqual(expect.arrayContaining([...core, 'Comment', 'CommentPage', 'Org', 'WhoAmI', 'SignedUp', 'Error', 'ErrorDetail']));
    if (variant === 'prod')
      expect(names).toEqual(
        expect.arrayContaining(['Role', 'Grant', 'MemberGrants', 'MemberPermissions', 'AuditRecord', 'AuditRecordPage', 'AuditCheckpoint', 'PoolsReport']),
      );
    const getTask = doc().paths['/v1/tasks/{id}']!.get!;
    expect(getTask.responses['200']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Task' });
    expect(doc().paths['/v1/projects/{id}/tasks']!.get!.responses['200']!.content!['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/TaskPage',
    });
    expect(doc().components.schemas.TaskPage.properties.items.items).toEqual({ $ref: '#/components/schemas/Task' });
  });

  it('types the error details per code, one union discriminated by code, and the envelope of each status', () => {
    const { schemas } = doc().components;
    const codes = ERROR_CATALOGUE.map((e) => (Reflect.construct(e.type, ['']) as AppError).code);
    expect(Object.keys(schemas.ErrorDetail.discriminator.mapping).sort()).toEqual([...codes].sort());
    expect(ERROR_KINDS.map((k) => k.code).sort()).toEqual([...codes].sort());
    expect(schemas.PreconditionFailed).toMatchObject({
      required: ['code', 'message', 'details'],
      properties: { code: { enum: ['precondition_failed'] }, details: { required: ['currentVersion'], properties: { currentVersion: { type: 'integer' } } } },
    });
    expect(schemas.Forbidden.properties.details.properties.permission).toMatchObject({ type: 'string' });
    const patch = doc().paths['/v1/tasks/{id}']!.patch!;
    expect(patch.responses['412']!.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/PreconditionFailedError' } } });
    for (const { path: p, method, op } of operations(doc())) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (status !== 'default' && Number(status) < 400) continue;
        // Errors are JSON on every operation, /v1/audit/export's included.
        expect(Object.keys(response.content ?? {}), `${method} ${p} ${status}`).toEqual(['application/json']);
      }
    }
    if (variant === 'prod') expect(Object.keys(doc().paths['/v1/audit/export']!.get!.responses['200']!.content!)).toEqual(['application/x-ndjson']);
  });

  it('lists the statuses the machinery can give: 401/403/429 when secured, 400/413/415 with a body, 404 with an id, 412 with If-Match, 503', () => {
    for (const { path: p, method, op } of operations(doc())) {
      const statuses = Object.keys(op.responses);
      expect(statuses, `${method} ${p}`).toEqual(expect.arrayContaining(['429', '503', 'default']));
      if (op.security?.length) expect(statuses, `${method} ${p}`).toEqual(expect.arrayContaining(['401', '403']));
      if (op.requestBody || method === 'delete') expect(statuses, `${method} ${p}`).toEqual(expect.arrayContaining(['400', '413', '415']));
      if (p.includes('{id}')) expect(statuses, `${method} ${p}`).toEqual(expect.arrayContaining(['400', '404']));
    }
    expect(Object.keys(doc().paths['/v1/tasks/{id}']!.patch!.responses)).toContain('412');
    expect(Object.keys(doc().paths['/v1/tasks/{id}']!.delete!.responses)).toContain('412');
    expect(Object.keys(doc().paths['/v1/projects']!.post!.responses)).toContain('409');
  });

  it('declares the response headers: X-Request-Id always, Retry-After on 429 and 503, ETag with a task', () => {
    for (const { path: p, method, op } of operations(doc())) {
      for (const [status, response] of Object.entries(op.responses)) {
        const headers = Object.keys(response.headers ?? {});
        expect(headers, `${method} ${p} ${status}`).toContain('X-Request-Id');
        if (status === '429' || status === '503') expect(headers, `${method} ${p} ${status}`).toContain('Retry-After');
        // With the scaling module, every answer may carry a consistency token.
        if (variant === 'prod') expect(headers, `${method} ${p} ${status}`).toContain('X-Consistency-Token');
      }
    }
    const tasks = doc().paths['/v1/tasks/{id}']!;
    for (const response of [tasks.get!.responses['200']!, tasks.get!.responses['304']!, tasks.patch!.responses['200']!]) {
      expect(response.headers!.ETag).toEqual({ $ref: '#/components/headers/ETag' });
    }
    expect(doc().paths['/v1/projects/{id}/tasks']!.post!.responses['201']!.headers!.ETag).toBeDefined();
    expect(doc().components.headers).toHaveProperty('Retry-After');
  });

  it('declares If-None-Match where it gives a 304, and If-Match with the pattern the server enforces', () => {
    const tasks = doc().paths['/v1/tasks/{id}']!;
    expect(tasks.get!.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'if-none-match', in: 'header' })]));
    for (const op of [tasks.patch!, tasks.delete!]) {
      expect(op.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'if-match', in: 'header', schema: expect.objectContaining({ pattern: IF_MATCH_PATTERN }) })]),
      );
    }
  });

  it('states the email format as the pattern of the validator, which refuses 0@com', () => {
    const email = doc().components.schemas.SignupInput.properties.user.properties.email;
    expect(email).toMatchObject({ format: 'email', pattern: expect.any(String) });
    const validate = validatorCompiler()({ schema: { type: 'string', format: 'email' }, httpPart: 'body', method: 'POST', url: '/' });
    const pattern = new RegExp(email.pattern as string, 'u');
    for (const sample of ['0@com', 'ann@acme.example', 'Ann.Lee@Acme.Example', 'a@b', 'a@b.c', 'a..b@c.de', '@x.io', 'a@-x.io', "o'neil@x.io"]) {
      expect(pattern.test(sample), sample).toBe(validate(sample) as boolean);
    }
    expect(pattern.test('0@com')).toBe(false);
  });

  it('answers 405 with Allow, listing the documented methods, for every documented path and a method it lacks', async () => {
    const app = servers.get(variant)!.app;
    for (const [template, ops] of Object.entries(doc().paths)) {
      const url = template.replace('{id}', '00000000-0000-4000-8000-000000000000');
      const documented = Object.keys(ops).map((m) => m.toUpperCase());
      const allow = [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])].sort();
      for (const method of ['TRACE', 'OPTIONS', 'QUERY', ...['PUT', 'PATCH', 'DELETE', 'POST'].filter((m) => !documented.includes(m))] as const) {
        const res = await app.inject({ method, url, headers: { 'content-type': 'text/plain' }, payload: method === 'TRACE' ? undefined : 'x' });
        expect(res.statusCode, `${method} ${url}`).toBe(405);
        expect(res.headers.allow, `${method} ${url}`).toBe(allow.join(', '));
        expect(res.json().error.code).toBe('method_not_allowed');
      }
    }
    const unknown = await app.inject({ method: 'TRACE', url: '/v1/nothing-here' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers.allow).toBeUndefined();
  });
});

it('the If-Match pattern accepts exactly what the server accepts', () => {
  const pattern = new RegExp(IF_MATCH_PATTERN, 'u');
  const accepts = (value: string) => {
    try {
      ifMatch(value);
      return true;
    } catch {
      return false;
    }
  };
  const piece = fc.oneof(fc.constantFrom('*', '"3"', 'W/"3"', '""', '"a,b"', '3', ' ', '', 'W/', '"', '"é"', '"\u0100"'), fc.string({ maxLength: 4 }));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 4 }), fc.constantFrom(',', ', ', ' ,'), (pieces, sep) => {
      const value = pieces.join(sep);
      expect(pattern.test(value), JSON.stringify(value)).toBe(accepts(value));
    }),
    { numRuns: 2000 },
  );
});

it('the conformance check used on live answers refuses what the document does not declare', () => {
  const check = new DocumentConformance(docs.get('dev'));
  const json = new Headers({ 'content-type': 'application/json; charset=utf-8' });
  const id = '00000000-0000-4000-8000-000000000000';
  const reply = (method: string, route: string, status: number, body: unknown, headers = json) => ({ status, body, headers, request: { method, route } });
  const stale = { error: { code: 'precondition_failed', message: 'moved on', details: { currentVersion: 3 } } };
  expect(check.problems(reply('PATCH', `/v1/tasks/${id}`, 412, stale))).toEqual([]);
  expect(check.problems(reply('PATCH', `/v1/tasks/${id}`, 412, { error: { ...stale.error, code: 'conflict' } }))).toHaveLength(1);
  expect(check.problems(reply('PATCH', `/v1/tasks/${id}`, 412, { error: { code: 'precondition_failed', message: 'x' } }))).toHaveLength(1);
  expect(check.problems(reply('GET', `/v1/tasks/${id}`, 200, { id }))).toHaveLength(1);
  // An undeclared status falls to `default`: the one envelope, with a code of the catalogue.
  expect(check.problems(reply('GET', '/v1/me', 418, { error: { code: 'bad_request', message: 'x' } }))).toEqual([]);
  expect(check.problems(reply('GET', '/v1/me', 418, { error: { code: 'teapot', message: 'x' } }))).toHaveLength(1);
  expect(check.problems(reply('GET', '/v1/me', 200, 'text', new Headers({ 'content-type': 'text/plain' })))).toHaveLength(1);
  expect(check.problems(reply('PUT', '/v1/me', 200, {}))).toHaveLength(1);
  expect(check.problems(reply('PUT', '/v1/me', 405, { error: { code: 'method_not_allowed', message: 'x' } }, new Headers({ allow: 'GET, HEAD' })))).toEqual([]);
  // A status the API names (409) is not covered by `default` on an operation that does not declare it.
  expect(check.problems(reply('GET', '/v1/me', 409, { error: { code: 'conflict', message: 'x' } }))).toHaveLength(1);
});
