// The OpenAPI document is generated from the route schemas: every route is in it, with the limits it enforces.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TARGETS, type ApiServer, startTarget } from '../support/api.js';

const ROUTES: Record<string, string[]> = {
  '/v1/signup': ['post'],
  '/v1/me': ['get'],
  '/v1/members': ['get', 'post'],
  '/v1/members/{id}': ['delete', 'patch'],
  '/v1/tokens': ['get', 'post'],
  '/v1/tokens/{id}': ['delete'],
  '/v1/projects': ['get', 'post'],
  '/v1/projects/{id}': ['delete', 'get', 'patch'],
  '/v1/projects/{id}/tasks': ['get', 'post'],
  '/v1/tasks/{id}': ['delete', 'get', 'patch'],
  '/v1/tasks/{id}/comments': ['get', 'post'],
};

/** What the enterprise module adds; dist/prod carries it, dist/dev does not. */
const ENTERPRISE_ROUTES: Record<string, string[]> = {
  '/v1/roles': ['get', 'post'],
  '/v1/roles/{id}': ['delete', 'get', 'patch'],
  '/v1/members/{id}/grants': ['get', 'put'],
  '/v1/members/{id}/permissions': ['get'],
  '/v1/audit': ['get'],
  '/v1/audit/export': ['get'],
  '/v1/audit/verify': ['get'],
  '/v1/audit/checkpoint': ['get'],
};

describe.each(API_TARGETS)('OpenAPI document on $name', (target) => {
  let server: ApiServer;
  let doc: any;

  beforeAll(async () => {
    server = await startTarget(target);
    const res = await server.client.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists every API route and method, and nothing else', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const listed = Object.fromEntries(Object.entries(doc.paths as Record<string, object>).map(([p, ops]) => [p, Object.keys(ops).sort()]));
    // The prod bundle carries the enterprise module's routes and the scaling module's pools report.
    expect(listed).toEqual(target.dialect === 'postgres' ? { ...ROUTES, ...ENTERPRISE_ROUTES, '/v1/admin/pools': ['get'] } : ROUTES);
  });

  it('carries the enforced limits and the bearer requirement', () => {
    const create = doc.paths['/v1/projects/{id}/tasks'].post;
    // The body is the named TaskInput schema.
    const ref = create.requestBody.content['application/json'].schema.$ref as string;
    expect(ref).toBe('#/components/schemas/TaskInput');
    const schema = doc.components.schemas.TaskInput;
    expect(schema.properties.title).toMatchObject({ maxLength: 500 });
    expect(schema.properties.labels).toMatchObject({ maxItems: 20 });
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/signup'].post.security).toEqual([]);
    const parameters = doc.paths['/v1/projects/{id}/tasks'].get.parameters as Array<{ name?: string; $ref?: string }>;
    expect(
      parameters
        .filter((p) => p.name)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['assigneeId', 'cursor', 'id', 'label', 'limit', 'q', 'sort', 'status']);
    // Every operation takes X-Request-Id; with the scaling module, X-Consistency-Token too.
    expect(parameters.filter((p) => p.$ref)).toEqual([
      { $ref: '#/components/parameters/requestId' },
      ...(target.dialect === 'postgres' ? [{ $ref: '#/components/parameters/consistencyToken' }] : []),
    ]);
    expect(Object.keys(doc.paths['/v1/tasks/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '412']));
  });

  it('is what a generator needs in the built bundle too: operation ids, named schemas, typed errors', () => {
    const ids = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((ops) =>
      Object.values(ops).map((o) => o.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('getTask');
    expect(doc.paths['/v1/tasks/{id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Task' });
    expect(doc.paths['/v1/tasks/{id}'].patch.responses['412'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PreconditionFailedError',
    });
    expect(doc.components.schemas.ErrorDetail.discriminator.propertyName).toBe('code');
  });

  it('answers 405 with Allow for a documented path and a method it does not serve, TRACE and QUERY included', async () => {
    // fetch refuses TRACE, so node:http asks.
    const base = await server.listen();
    const ask = (method: string) =>
      new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
        const req = request(`${base}/v1/projects`, { method }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const method of ['TRACE', 'QUERY', 'PUT']) {
      const res = await ask(method);
      expect(res.status, method).toBe(405);
      expect(res.allow, method).toBe('GET, HEAD, POST');
      expect(JSON.parse(res.body).error.code).toBe('method_not_allowed');
    }
  });
});
