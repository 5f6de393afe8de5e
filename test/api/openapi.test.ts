// The OpenAPI document is generated from the route schemas: every route is in it, with the limits it enforces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../support/server-process.js';
import { API_TARGETS, Client, startTarget } from '../support/api.js';

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
  let server: RunningServer;
  let doc: any;

  beforeAll(async () => {
    server = await startTarget(target);
    const res = await new Client(server.url).get('/v1/openapi.json');
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
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.properties.title).toMatchObject({ maxLength: 500 });
    expect(schema.properties.labels).toMatchObject({ maxItems: 20 });
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/signup'].post.security).toBeUndefined();
    const parameters = doc.paths['/v1/projects/{id}/tasks'].get.parameters as Array<{ name?: string; $ref?: string }>;
    expect(
      parameters
        .filter((p) => p.name)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['assigneeId', 'cursor', 'id', 'label', 'limit', 'q', 'sort', 'status']);
    // With the scaling module, every operation also takes X-Consistency-Token.
    expect(parameters.filter((p) => p.$ref)).toEqual(target.dialect === 'postgres' ? [{ $ref: '#/components/parameters/consistencyToken' }] : []);
    expect(Object.keys(doc.paths['/v1/tasks/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '412']));
  });
});
