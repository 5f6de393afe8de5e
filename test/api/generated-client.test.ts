// The OpenAPI document as a generator uses it: types generated with openapi-typescript from /v1/openapi.json, a
// small client written against them with openapi-fetch, compiled by tsc under --strict, then run against a server
// built from sources. The client reads a named `Task` and the typed `details` of a 412 without a cast; a
// `@ts-expect-error` line proves the types are not `any` (tsc fails if that line stops being an error).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceServer, type SourceServer } from '../support/app.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

const CLIENT = `import createClient from 'openapi-fetch';
import type { components, operations, paths } from './api.js';

type Task = components['schemas']['Task'];
type PreconditionFailed = components['schemas']['PreconditionFailed'];
/** An operation by its operationId, as generated clients name them. */
type UpdateTask = operations['updateTask'];

export interface Outcome {
  readonly task: Task;
  readonly currentVersion: number;
  readonly failure: PreconditionFailed;
  readonly status: number;
  readonly requestId: string | null;
}

export async function exercise(baseUrl: string): Promise<Outcome> {
  const anonymous = createClient<paths>({ baseUrl });
  const slug = 'typed-' + Date.now().toString(36);
  const signup = await anonymous.POST('/v1/signup', {
    body: { org: { name: 'Typed', slug }, user: { email: 'ann@' + slug + '.example', name: 'Ann' } },
  });
  if (!signup.data) throw new Error('signup failed: ' + JSON.stringify(signup.error));
  const api = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + signup.data.token } });
  const project = await api.POST('/v1/projects', { body: { name: 'Web', key: 'WEB' } });
  if (!project.data) throw new Error('project failed: ' + JSON.stringify(project.error));
  const created = await api.POST('/v1/projects/{id}/tasks', { params: { path: { id: project.data.id } }, body: { title: 'typed' } });
  if (!created.data) throw new Error('task failed: ' + JSON.stringify(created.error));
  const task: Task = created.data;
  const moved = await api.PATCH('/v1/tasks/{id}', {
    params: { path: { id: task.id }, header: { 'if-match': created.response.headers.get('etag') ?? '*' } },
    body: { status: 'done' },
  });
  if (!moved.data) throw new Error('update failed: ' + JSON.stringify(moved.error));
  const body: UpdateTask['requestBody'] = { content: { 'application/json': { title: 'late' } } };
  const stale = await api.PATCH('/v1/tasks/{id}', {
    params: { path: { id: task.id }, header: { 'if-match': '"' + task.version + '"' } },
    body: body.content['application/json'],
  });
  const failure = stale.error?.error;
  if (failure?.code !== 'precondition_failed') throw new Error('expected a 412, got ' + stale.response.status);
  const currentVersion: number = failure.details.currentVersion;
  // @ts-expect-error details of a 412 hold a number, not text
  const wrong: string = failure.details.currentVersion;
  void wrong;
  return { task: moved.data, currentVersion, failure, status: stale.response.status, requestId: stale.response.headers.get('x-request-id') };
}

const outcome = await exercise(process.argv[2] ?? '');
process.stdout.write(JSON.stringify(outcome));
`;

describe('a client generated from the OpenAPI document', () => {
  let server: SourceServer;
  let dir: string;

  beforeAll(async () => {
    server = await sourceServer('dev', { listen: true });
    dir = await mkdtemp(path.join(tmpdir(), 'flagship-client-'));
    // The client's imports (openapi-fetch) resolve from the project's own node_modules.
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('compiles under --strict and reads a named Task and a typed 412 without a cast', async () => {
    const document = await (await fetch(`${server.url}/v1/openapi.json`)).text();
    const types = astToString(await openapiTS(document));
    expect(types).toMatch(/\n\s+Task: \{/);
    expect(types).toMatch(/\n\s+updateTask: \{/);
    await writeFile(path.join(dir, 'api.ts'), types);
    await writeFile(path.join(dir, 'client.ts'), CLIENT);
    expect(CLIENT).not.toMatch(/\bas\s+(?!const\b)[A-Z{(]/);

    const program = ts.createProgram([path.join(dir, 'client.ts')], {
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      lib: ['lib.es2022.d.ts'],
      outDir: path.join(dir, 'out'),
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).concat(program.emit().diagnostics);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);

    const { stdout } = await run(process.execPath, [path.join(dir, 'out', 'client.js'), server.url], { cwd: dir });
    const outcome = JSON.parse(stdout) as {
      task: { title: string; status: string; version: number };
      currentVersion: number;
      failure: unknown;
      status: number;
    };
    expect(outcome.status).toBe(412);
    expect(outcome.task).toMatchObject({ title: 'typed', status: 'done', version: 2 });
    expect(outcome.currentVersion).toBe(2);
    expect(outcome.failure).toMatchObject({ code: 'precondition_failed', details: { currentVersion: 2 } });
  });
});
